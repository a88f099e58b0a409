import FluentKit
import Foundation
import Logging
import RapportCore
import RapportMail
import SQLKit

/// Sends what the outbox holds, one message at a time, with retries and backoff.
///
/// A row is claimed for a lease: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so several
/// servers never take the same row; on SQLite under the write lock. A sender that dies while
/// sending leaves its claim to expire and the row is sent again — the SMTP server only keeps a
/// message once it answered the final "." with 250, so a message cut off mid-send arrives once.
struct OutboxSender: Sendable {
    let settings: MailSettingsStore
    let clock: any WallClock
    let lease: TimeInterval
    let logger: Logger

    static let maximumAttempts = 8

    /// Waits before attempt n+1: 1, 5, 15, 30 minutes, then hourly.
    static func backoff(afterAttempt attempt: Int) -> TimeInterval {
        [60, 300, 900, 1800][min(max(attempt - 1, 0), 3)] * (attempt > 4 ? 2 : 1)
    }

    /// Sends every message that is due, up to `limit`. Returns how many it handled.
    @discardableResult
    func sendDue(on db: any Database, limit: Int = 50) async throws -> Int {
        var handled = 0
        while handled < limit, let row = try await claimNext(on: db) {
            await deliver(row, on: db)
            handled += 1
        }
        return handled
    }

    func claimNext(on db: any Database) async throws -> OutboundMail? {
        let now = clock.now()
        let until = now.addingTimeInterval(lease)
        switch db.flavor {
        case .postgres:
            return try await db.transaction { tx in
                let rows = try await tx.sql.raw(
                    """
                    SELECT id FROM outbound_mail
                    WHERE status IN ('queued', 'sending') AND next_attempt_at <= \(bind: now) AND (claimed_until IS NULL OR claimed_until < \(bind: now))
                    ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """
                ).all()
                guard let id = try rows.first?.decode(column: "id", as: Int.self),
                    let row = try await OutboundMail.find(id, on: tx)
                else { return nil }
                return try await claim(row, until: until, on: tx)
            }
        case .sqlite:
            return try await db.write { tx in
                guard
                    let row = try await OutboundMail.query(on: tx.db).filter(\.$status ~~ [.queued, .sending]).filter(
                        \.$nextAttemptAt <= now
                    )
                    .group(.or, { $0.filter(\.$claimedUntil == nil).filter(\.$claimedUntil < now) })
                    .sort(\.$nextAttemptAt).sort(\.$id).first()
                else { return nil }
                return try await claim(row, until: until, on: tx.db)
            }
        }
    }

    private func claim(_ row: OutboundMail, until: Date, on db: any Database) async throws -> OutboundMail {
        row.status = .sending
        row.claimedUntil = until
        row.attempts += 1
        try await row.update(on: db)
        return row
    }

    private func deliver(_ row: OutboundMail, on db: any Database) async {
        do {
            let mail = try await settings.current(on: db)
            guard let smtp = try settings.smtpConfiguration(mail) else {
                try await reschedule(row, error: "outgoing mail is not set up (Admin → Mail)", permanent: false, on: db)
                return
            }
            let delivery = try await SMTPClient(smtp).send(
                Array(row.raw.utf8), from: row.envelopeFrom, to: row.recipientList)
            row.status = .sent
            row.sentAt = clock.now()
            row.claimedUntil = nil
            row.lastError =
                delivery.refused.isEmpty
                ? nil
                : "refused: "
                    + delivery.refused.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(
                        separator: ", ")
            try await row.update(on: db)
            if let refused = row.lastError { try await recordFailure(row, reason: refused, on: db) }
            logger.info(
                "sent \(row.kind.rawValue) <\(row.emailMessageID)> to \(delivery.accepted.joined(separator: ", "))")
        } catch let error as MailTransportError {
            try? await reschedule(row, error: error.description, permanent: error.isPermanent, on: db)
        } catch {
            try? await reschedule(row, error: "\(error)", permanent: false, on: db)
        }
    }

    private func reschedule(_ row: OutboundMail, error: String, permanent: Bool, on db: any Database) async throws {
        let givingUp = permanent || row.attempts >= Self.maximumAttempts
        row.lastError = String(error.prefix(1000))
        row.claimedUntil = nil
        if givingUp {
            row.status = .failed
            try await row.update(on: db)
            try await recordFailure(row, reason: error, on: db)
            logger.warning(
                "gave up on \(row.kind.rawValue) <\(row.emailMessageID)> after \(row.attempts) attempts: \(error)")
        } else {
            row.status = .queued
            row.nextAttemptAt = clock.now().addingTimeInterval(Self.backoff(afterAttempt: row.attempts))
            try await row.update(on: db)
            logger.notice("will retry \(row.kind.rawValue) <\(row.emailMessageID)>: \(error)")
        }
    }

    /// Puts a permanent failure on the ticket's timeline, where the agent sees it.
    private func recordFailure(_ row: OutboundMail, reason: String, on db: any Database) async throws {
        guard let ticketID = row.ticketID else { return }
        let event = TicketEvent()
        event.ticketID = ticketID
        event.actorKind = .system
        event.field = TicketChange.Field.emailFailed.rawValue
        event.before = row.kind.rawValue
        event.after = String(reason.prefix(500))
        event.createdAt = clock.now()
        try await event.create(on: db)
    }
}
