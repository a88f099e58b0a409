import FluentKit
import Foundation

/// What the ticket page shows about the mail side of each message: the folded quoted
/// history, the Cc list, and whether a reply was sent, is waiting, or failed.
struct MessageMailInfo: Sendable {
    var quoted: String?
    var cc: String?
    var delivery: String?
    var deliveryFailed = false
}

enum MailTimeline {
    static func load(ticketID: Int, on db: any Database) async throws -> [Int: MessageMailInfo] {
        var info: [Int: MessageMailInfo] = [:]
        let messages = try await Message.query(on: db).filter(\.$ticketID == ticketID)
            .group(.or) { $0.filter(\.$quotedText != nil).filter(\.$emailCC != nil) }.all()
        for message in messages {
            guard let id = message.id else { continue }
            let cc = message.emailCC.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
            info[id, default: MessageMailInfo()].quoted = message.quotedText
            info[id, default: MessageMailInfo()].cc = cc.isEmpty ? nil : cc.joined(separator: ", ")
        }
        for row in try await OutboundMail.query(on: db).filter(\.$ticketID == ticketID).filter(\.$kind == .reply).all() {
            guard let messageID = row.messageID else { continue }
            let recipients = row.recipientList.joined(separator: ", ")
            switch row.status {
            case .sent: info[messageID, default: MessageMailInfo()].delivery = "Emailed to \(recipients)" + (row.lastError.map { " (\($0))" } ?? "")
            case .queued, .sending:
                info[messageID, default: MessageMailInfo()].delivery = "Waiting to be emailed to \(recipients)" + (row.lastError.map { "; last try: \($0)" } ?? "")
            case .failed:
                info[messageID, default: MessageMailInfo()].delivery = "Not delivered to \(recipients): \(row.lastError ?? "unknown error")"
                info[messageID, default: MessageMailInfo()].deliveryFailed = true
            }
        }
        return info
    }

    /// "Mail to ada@example.org bounces (5.1.1 ...)" for each bouncing address of a customer.
    static func bounceWarning(customerID: Int, on db: any Database) async throws -> String? {
        let bouncing = try await CustomerEmail.query(on: db).filter(\.$customerID == customerID).filter(\.$bouncingSince != nil).all()
        guard !bouncing.isEmpty else { return nil }
        return bouncing.map { "Mail to \($0.address) bounces" + ($0.bounceReason.map { " (\($0))" } ?? "") }.joined(separator: "; ") + "."
    }
}
