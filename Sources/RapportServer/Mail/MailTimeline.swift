import FluentKit
import Foundation
import SQLKit

/// What the ticket page shows about the mail side of each message: the folded quoted
/// history, the Cc list, and whether a reply was sent, is waiting, or failed.
struct MessageMailInfo: Sendable {
    var quoted: String?
    var cc: String?
    var delivery: String?
    var deliveryFailed = false
}

enum MailTimeline {
    /// Two light queries whatever the conversation's length: the mail columns of the messages
    /// that have them, and the delivery state of the replies (never their bodies or raw mail).
    static func load(ticketID: Int, on db: any Database) async throws -> [Int: MessageMailInfo] {
        struct MailColumns: Decodable {
            let id: Int
            let quotedText: String?
            let cc: String?
        }
        struct Delivery: Decodable {
            let messageID: Int
            let status: OutboundMail.Status
            let recipients: String
            let lastError: String?
        }
        var info: [Int: MessageMailInfo] = [:]
        let messages = try await db.sql.raw(
            """
            SELECT id AS "id", quoted_text AS "quotedText", email_cc AS "cc" FROM messages
            WHERE ticket_id = \(bind: ticketID) AND (quoted_text IS NOT NULL OR email_cc IS NOT NULL)
            """
        ).all(decoding: MailColumns.self)
        for message in messages {
            let cc = message.cc.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
            info[message.id, default: MessageMailInfo()].quoted = message.quotedText
            info[message.id, default: MessageMailInfo()].cc = cc.isEmpty ? nil : cc.joined(separator: ", ")
        }
        let deliveries = try await db.sql.raw(
            """
            SELECT message_id AS "messageID", status AS "status", recipients AS "recipients", last_error AS "lastError" FROM outbound_mail
            WHERE ticket_id = \(bind: ticketID) AND kind = \(bind: OutboundMail.Kind.reply.rawValue) AND message_id IS NOT NULL
            """
        ).all(decoding: Delivery.self)
        for row in deliveries {
            let recipients = ((try? JSONDecoder().decode([String].self, from: Data(row.recipients.utf8))) ?? []).joined(
                separator: ", ")
            switch row.status {
            case .sent:
                info[row.messageID, default: MessageMailInfo()].delivery =
                    "Emailed to \(recipients)" + (row.lastError.map { " (\($0))" } ?? "")
            case .queued, .sending:
                info[row.messageID, default: MessageMailInfo()].delivery =
                    "Waiting to be emailed to \(recipients)" + (row.lastError.map { "; last try: \($0)" } ?? "")
            case .failed:
                info[row.messageID, default: MessageMailInfo()].delivery =
                    "Not delivered to \(recipients): \(row.lastError ?? "unknown error")"
                info[row.messageID, default: MessageMailInfo()].deliveryFailed = true
            }
        }
        return info
    }

    /// "Mail to ada@example.org bounces (5.1.1 ...)" for each bouncing address of a customer.
    static func bounceWarning(customerID: Int, on db: any Database) async throws -> String? {
        bounceWarning(
            for: try await CustomerEmail.query(on: db).filter(\.$customerID == customerID).filter(
                \.$bouncingSince != nil
            ).all())
    }

    static func bounceWarning(for addresses: [CustomerEmail]) -> String? {
        let bouncing = addresses.filter { $0.bouncingSince != nil }
        guard !bouncing.isEmpty else { return nil }
        return bouncing.map { "Mail to \($0.address) bounces" + ($0.bounceReason.map { " (\($0))" } ?? "") }.joined(
            separator: "; ") + "."
    }
}
