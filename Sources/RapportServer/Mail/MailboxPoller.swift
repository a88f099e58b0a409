import FluentKit
import Foundation
import Logging
import RapportCore
import RapportMail
import Vapor

/// Reads new mail from the configured IMAP mailboxes. A message is marked seen (or moved)
/// only after `InboundMailService` committed it; if Rapport stops in between, the message is
/// fetched again next time and recognised as a duplicate by its Message-ID.
struct MailboxPoller: Sendable {
    let settings: MailSettingsStore
    let inbound: InboundMailService
    let clock: any WallClock
    let logger: Logger

    /// Imports the folder's new messages one by one; each is flagged only after it is stored.
    private func importNew(
        from session: IMAPSession, mailbox: Mailbox, into result: inout RoundResult, on db: any Database
    ) async throws {
        _ = try await session.select(mailbox.folder)
        let moveTo = mailbox.afterImport == "move" ? mailbox.moveTo.flatMap { $0.isEmpty ? nil : $0 } : nil
        for uid in try await session.search(unseenOnly: moveTo == nil).prefix(Self.messagesPerRound) {
            guard let raw = try await session.fetch(uid: uid) else { continue }
            do {
                let outcome = try await inbound.receive(raw, on: db)
                if outcome.outcome == .duplicate {
                    result.alreadyStored += 1
                } else {
                    result.imported += 1
                    result.lastTicketID = outcome.ticketID ?? result.lastTicketID
                }
                logger.info(
                    "mailbox \(mailbox.name): message \(uid) \(outcome.outcome.rawValue)\(outcome.ticketID.map { " ticket #\($0)" } ?? "")"
                )
            } catch let error as RapportError where error.status.code < 500 {
                // A message Rapport will never take (too large): leave it in the mailbox,
                // flagged, and say so; the next round must not trip over it again.
                result.errors.append("message \(uid): \(error.reason)")
            }
            if let moveTo { try await session.move(uid: uid, to: moveTo) } else { try await session.markSeen(uid: uid) }
        }
    }

    /// At most this many messages per mailbox per round, so one flood cannot starve the rest.
    static let messagesPerRound = 100

    struct RoundResult: Sendable, Equatable {
        var imported = 0
        /// Messages found again that were already stored (another check had just taken them).
        var alreadyStored = 0
        var lastTicketID: Int?
        var errors: [String] = []
    }

    func pollAll(on db: any Database) async throws -> RoundResult {
        var result = RoundResult()
        for mailbox in try await Mailbox.query(on: db).filter(\.$enabled == true).sort(\.$id).all() {
            let one = await poll(mailbox, on: db)
            result.imported += one.imported
            result.errors += one.errors
        }
        return result
    }

    func poll(_ mailbox: Mailbox, on db: any Database) async -> RoundResult {
        var result = RoundResult()
        do {
            let session = try await IMAPSession.open(try settings.imapConfiguration(mailbox))
            do {
                try await importNew(from: session, mailbox: mailbox, into: &result, on: db)
                await session.logout()
            } catch {
                await session.abandon()
                throw error
            }
        } catch {
            result.errors.append("\(error)")
        }
        mailbox.lastCheckedAt = clock.now()
        mailbox.lastError = result.errors.isEmpty ? nil : String(result.errors.joined(separator: "; ").prefix(1000))
        mailbox.importedCount += result.imported
        if result.imported > 0 {
            mailbox.lastImportedAt = mailbox.lastCheckedAt
            mailbox.lastImportedTicketID = result.lastTicketID
        }
        try? await mailbox.update(on: db)
        if !result.errors.isEmpty {
            logger.warning("mailbox \(mailbox.name): \(result.errors.joined(separator: "; "))")
        }
        return result
    }
}
