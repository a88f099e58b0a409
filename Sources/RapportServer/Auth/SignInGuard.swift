import FluentKit
import Foundation
import RapportCore

/// The sign-in throttle, kept in the database so every instance sees the same counts and a
/// restart clears nothing. Two limits: wrong passwords for one account (5 in 15 minutes lock
/// it for 15 minutes, whatever the password), and failed attempts from one client whatever the
/// account (checked before any password is hashed, so a flood of guesses at unknown addresses
/// cannot keep the password hasher busy for everyone else).
struct SignInGuard: Sendable {
    let clock: any WallClock
    let limits: SharedRateLimiter

    static let failuresPerAccount = 5
    static let failuresPerClient = 20
    static let window: TimeInterval = 15 * 60
    static let lockout: TimeInterval = 15 * 60

    enum Refusal {
        case accountLocked(until: Date)
        case clientThrottled(until: Date)

        /// Whole minutes until the next attempt may succeed, at least one.
        func minutes(from now: Date) -> Int {
            let until: Date
            switch self {
            case .accountLocked(let date), .clientThrottled(let date): until = date
            }
            return max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up)))
        }

        func sentence(from now: Date) -> String {
            let minutes = minutes(from: now)
            let wait = "\(minutes) minute\(minutes == 1 ? "" : "s")"
            switch self {
            case .accountLocked:
                return
                    "Too many wrong passwords for this account. Try again in \(wait), or ask an admin to reset your password."
            case .clientThrottled:
                return "Too many failed sign-ins from your network. Try again in \(wait)."
            }
        }
    }

    /// Why this attempt is refused before its password is even checked, if it is.
    func refusal(email: String, client: String, on db: any Database) async throws -> Refusal? {
        let lock = try await limits.recent("sign-in-lock", from: Self.key(email), on: db)
        if lock.count > 0, let until = lock.lastExpiry { return .accountLocked(until: until) }
        let fromClient = try await limits.recent("sign-in-client", from: client, on: db)
        if fromClient.count >= Self.failuresPerClient, let until = fromClient.lastExpiry {
            return .clientThrottled(until: until)
        }
        return nil
    }

    func recordFailure(email: String, client: String, on db: any Database) async throws {
        try await limits.record("sign-in-client", from: client, for: Self.window, on: db)
        guard !email.isEmpty else { return }
        let failures = try await limits.record("sign-in-failure", from: Self.key(email), for: Self.window, on: db)
        if failures >= Self.failuresPerAccount {
            try await limits.clear("sign-in-failure", from: Self.key(email), on: db)
            try await limits.record("sign-in-lock", from: Self.key(email), for: Self.lockout, on: db)
        }
    }

    /// A successful sign-in forgets the account's failures (not the client's).
    func recordSuccess(email: String, on db: any Database) async throws {
        try await limits.clear("sign-in-failure", from: Self.key(email), on: db)
        try await limits.clear("sign-in-lock", from: Self.key(email), on: db)
    }

    private static func key(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
