import Crypto
import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Rate limits and once-only rules that hold across every instance sharing the database: the
/// contact form, portal sign-in links, their redemption and help-center votes.
///
/// Each allowed attempt is a row that expires when it leaves the window, so the window slides
/// exactly; a limit of one a day is a de-duplication. Checking and recording is one write
/// transaction, on PostgreSQL under an advisory lock on the key, so two instances answering at
/// the same moment cannot both let the last attempt through. Keys are stored as SHA-256 digests:
/// no visitor address is kept in clear.
///
/// Cheap read paths (search suggestions, "article opened") keep the per-instance
/// `VisitorRateLimiter`: there, N instances allowing N times the rate is harmless and a write
/// per keystroke is not.
struct SharedRateLimiter: Sendable {
    let clock: any WallClock

    /// Records one attempt if it is within `limit` per `window` and says whether it was.
    func allow(_ action: String, from visitor: String, limit: Int, per window: TimeInterval, on db: any Database)
        async throws -> Bool
    {
        try await counting(action, from: visitor, on: db) { tx, key, used, now in
            guard used < limit else { return false }
            try await Self.insert(key, expiring: now.addingTimeInterval(window), in: tx)
            return true
        }
    }

    /// Runs `work` with the number of attempts in the window, in one write transaction that on
    /// PostgreSQL holds an advisory lock on the key, after the expired attempts are gone.
    private func counting<T: Sendable>(
        _ action: String, from visitor: String, on db: any Database,
        _ work: @escaping @Sendable (WriteTransaction, String, Int, Date) async throws -> T
    ) async throws -> T {
        let key = Self.digest(action + "|" + visitor)
        let now = clock.now()
        return try await db.write { tx in
            if tx.flavor == .postgres {
                try await tx.sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: key)))").run()
            }
            try await tx.sql.raw("DELETE FROM rate_limit_hits WHERE key = \(bind: key) AND expires_at <= \(bind: now)")
                .run()
            let used =
                try await tx.sql.raw("SELECT COUNT(*) AS \"count\" FROM rate_limit_hits WHERE key = \(bind: key)")
                .first()?
                .decode(column: "count", as: Int.self) ?? 0
            return try await work(tx, key, used, now)
        }
    }

    private static func insert(_ key: String, expiring: Date, in tx: WriteTransaction) async throws {
        try await tx.sql.raw("INSERT INTO rate_limit_hits (key, expires_at) VALUES (\(bind: key), \(bind: expiring))")
            .run()
    }

    /// How many attempts are within their window, and when the newest of them leaves it.
    func recent(_ action: String, from visitor: String, on db: any Database) async throws -> (
        count: Int, lastExpiry: Date?
    ) {
        struct Row: Decodable {
            let count: Int
            let lastExpiry: Date?
        }
        let row = try await db.sql.raw(
            """
            SELECT COUNT(*) AS "count", MAX(expires_at) AS "lastExpiry" FROM rate_limit_hits
            WHERE key = \(bind: Self.digest(action + "|" + visitor)) AND expires_at > \(bind: clock.now())
            """
        ).first(decoding: Row.self)
        return (row?.count ?? 0, row?.lastExpiry)
    }

    /// Records one attempt, whatever the count, and returns how many are now within the window.
    @discardableResult
    func record(_ action: String, from visitor: String, for window: TimeInterval, on db: any Database) async throws
        -> Int
    {
        try await counting(action, from: visitor, on: db) { tx, key, used, now in
            try await Self.insert(key, expiring: now.addingTimeInterval(window), in: tx)
            return used + 1
        }
    }

    /// Forgets every attempt of one kind by one visitor.
    func clear(_ action: String, from visitor: String, on db: any Database) async throws {
        try await db.sql.raw(
            "DELETE FROM rate_limit_hits WHERE key = \(bind: Self.digest(action + "|" + visitor))"
        ).run()
    }

    /// Deletes the attempts that left their window (the cleanup job).
    func prune(on db: any Database) async throws {
        let now = clock.now()
        try await db.write { tx in
            try await tx.sql.raw("DELETE FROM rate_limit_hits WHERE expires_at <= \(bind: now)").run()
        }
    }

    private static func digest(_ text: String) -> String { SHA256.hex(of: Data(text.utf8)) }
}

struct CreateRateLimits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_hits")
            .intID()
            .field("key", .string, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.createIndex(
            "idx_rate_limit_hits_key", on: "rate_limit_hits", columns: ["key", "expires_at"])
        try await database.createIndex("idx_rate_limit_hits_expires", on: "rate_limit_hits", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_hits").delete()
    }
}
