import FluentKit
import Foundation
import RapportCore
import SQLKit

/// The kinds of background work, with their stable names in the jobs table.
enum JobKind: String, Sendable, CaseIterable {
    case outbox
    case mailboxes
    case slaSweep = "sla_sweep"
    case timeRules = "time_rules"
    case automationTrigger = "automation_trigger"
    case cleanup
}

/// Writes jobs and hands them to workers, one worker per job at a time.
///
/// Claiming takes the oldest due job that is queued, or running under a claim that expired
/// (its worker died). On PostgreSQL the row is locked with `FOR UPDATE SKIP LOCKED`, so servers
/// sharing the database each take a different job; on SQLite the claim happens under the
/// database's single write lock. A worker finishes a job only while it still holds the claim.
struct JobQueue: Sendable {
    let clock: any WallClock
    let lease: TimeInterval

    static let maximumAttempts = 5

    /// Adds a one-off job, inside the caller's transaction so it exists exactly when the change
    /// that asked for it does.
    func enqueue(_ kind: JobKind, payload: some Encodable, runAt: Date? = nil, in tx: WriteTransaction) async throws {
        let job = Job()
        job.kind = kind.rawValue
        job.payload = String(decoding: try JSONEncoder().encode(payload), as: UTF8.self)
        job.status = .queued
        job.runAt = runAt ?? clock.now()
        job.attempts = 0
        job.createdAt = clock.now()
        try await job.create(on: tx.db)
    }

    /// Makes sure the repeating job of this kind exists (one row, rescheduled after each run).
    func ensureRepeating(_ kind: JobKind, on db: any Database) async throws {
        let now = clock.now()
        try await db.sql.raw(
            """
            INSERT INTO jobs (kind, payload, unique_key, status, run_at, attempts, created_at)
            VALUES (\(bind: kind.rawValue), '{}', \(bind: kind.rawValue), 'queued', \(bind: now), 0, \(bind: now))
            ON CONFLICT (unique_key) DO NOTHING
            """
        ).run()
    }

    /// Claims the next due job for `lease` seconds, or nil when nothing is due.
    func claimNext(on db: any Database) async throws -> Job? {
        let now = clock.now()
        let select: SQLQueryString = """
            SELECT id FROM jobs
            WHERE (status = 'queued' AND run_at <= \(bind: now)) OR (status = 'running' AND claimed_until < \(bind: now))
            ORDER BY run_at, id LIMIT 1
            """
        switch db.flavor {
        case .postgres:
            return try await db.transaction { tx in
                let rows = try await tx.sql.raw("\(select) FOR UPDATE SKIP LOCKED").all()
                guard let id = try rows.first?.decode(column: "id", as: Int.self),
                    let job = try await Job.find(id, on: tx)
                else { return nil }
                return try await claim(job, now: now, on: tx)
            }
        case .sqlite:
            return try await db.write { tx in
                guard let id = try await tx.sql.raw(select).all().first?.decode(column: "id", as: Int.self),
                    let job = try await Job.find(id, on: tx.db)
                else { return nil }
                return try await claim(job, now: now, on: tx.db)
            }
        }
    }

    private func claim(_ job: Job, now: Date, on db: any Database) async throws -> Job {
        job.status = .running
        job.claimedUntil = now.addingTimeInterval(lease)
        job.claimToken = UUID().uuidString
        job.attempts += 1
        try await job.update(on: db)
        return job
    }

    /// Extends a claim while a long job runs. False when the claim was lost.
    func extendClaim(_ job: Job, on db: any Database) async throws -> Bool {
        try await updateIfClaimed(job, "claimed_until = \(bind: clock.now().addingTimeInterval(lease))", on: db)
    }

    /// Marks a job done (or, for a repeating job, schedules its next run). False when another
    /// worker holds the claim now; the caller must then roll back what it did.
    func finish(_ job: Job, repeatAfter interval: TimeInterval?, on db: any Database) async throws -> Bool {
        let now = clock.now()
        if let interval {
            return try await updateIfClaimed(
                job,
                """
                status = 'queued', run_at = \(bind: now.addingTimeInterval(interval)), attempts = 0, claimed_until = NULL,
                claim_token = NULL, last_error = NULL, finished_at = \(bind: now)
                """, on: db)
        }
        return try await updateIfClaimed(
            job, "status = 'done', claimed_until = NULL, claim_token = NULL, finished_at = \(bind: now)", on: db)
    }

    /// Records a failed run: retried with backoff, given up after `maximumAttempts` (repeating
    /// jobs are never given up, they run again at their next time).
    func failed(_ job: Job, error: String, repeatAfter interval: TimeInterval?, on db: any Database) async throws {
        let now = clock.now()
        let message = String(error.prefix(1000))
        if let interval {
            _ = try await updateIfClaimed(
                job,
                """
                status = 'queued', run_at = \(bind: now.addingTimeInterval(interval)), attempts = 0, claimed_until = NULL,
                claim_token = NULL, last_error = \(bind: message)
                """, on: db)
        } else if job.attempts >= Self.maximumAttempts {
            _ = try await updateIfClaimed(
                job,
                "status = 'failed', claimed_until = NULL, claim_token = NULL, last_error = \(bind: message), finished_at = \(bind: now)",
                on: db)
        } else {
            let retryAt = now.addingTimeInterval(30 * pow(2, Double(job.attempts - 1)))
            _ = try await updateIfClaimed(
                job,
                "status = 'queued', run_at = \(bind: retryAt), claimed_until = NULL, claim_token = NULL, last_error = \(bind: message)",
                on: db)
        }
    }

    private func updateIfClaimed(_ job: Job, _ assignments: SQLQueryString, on db: any Database) async throws -> Bool {
        let id = try job.requireID
        let rows = try await db.sql.raw(
            "UPDATE jobs SET \(assignments) WHERE id = \(bind: id) AND claim_token = \(bind: job.claimToken ?? "") RETURNING id"
        ).all()
        return !rows.isEmpty
    }

    /// Deletes finished one-off jobs older than a week.
    func deleteFinished(olderThan age: TimeInterval = 7 * 86_400, on db: any Database) async throws {
        let cutoff = clock.now().addingTimeInterval(-age)
        try await db.sql.raw(
            "DELETE FROM jobs WHERE unique_key IS NULL AND status IN ('done', 'failed') AND finished_at < \(bind: cutoff)"
        ).run()
    }
}

/// The job lost its claim to another worker before it could finish.
struct LostJobClaim: Error, CustomStringConvertible {
    let jobID: Int
    var description: String {
        "job \(jobID) was taken over by another worker after its claim expired; its work is rolled back"
    }
}
