import FluentKit
import Foundation
import RapportCore
import SQLKit

/// What a signed-in customer may see and do: their own requests, and their organization's when
/// they manage it. Everything else answers "not found", so nobody learns that a ticket exists.
struct PortalService: Sendable {
    let tickets: TicketService

    /// The customers whose requests `customer` may see.
    func visibleRequesters(for customer: Customer, on db: any Database) async throws -> [Int] {
        let own = try customer.requireID
        guard customer.isOrgManager, let organization = customer.organizationID else { return [own] }
        let colleagues = try await Customer.query(on: db).filter(\.$organizationID == organization).all(\.$id)
        return Array(Set(colleagues + [own])).sorted()
    }

    func requests(for customer: Customer, limit: Int = 200, on db: any Database) async throws -> [TicketSummaryDTO] {
        let requesters = try await visibleRequesters(for: customer, on: db)
        let rows = try await db.sql.raw(
            """
            SELECT id FROM tickets WHERE requester_id IN \(SQLBind.group(requesters)) ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
            """
        ).all()
        return try await TicketQueries.summaries(
            ids: try rows.map { try $0.decode(column: "id", as: Int.self) }, on: db)
    }

    /// The ticket when the customer may see it; otherwise "not found", the same as a ticket that
    /// does not exist.
    func visibleTicket(_ number: Int, for customer: Customer, on db: any Database) async throws -> Ticket {
        guard let ticket = try await Ticket.find(number, on: db),
            try await visibleRequesters(for: customer, on: db).contains(ticket.requesterID)
        else {
            throw RapportError.notFound("Request #\(number)")
        }
        return ticket
    }

    struct PublicMessage: Sendable {
        let id: Int
        let authorName: String
        let fromCustomer: Bool
        let body: String
        let createdAt: Date
        let attachments: [PublicFile]
    }

    struct PublicFile: Sendable, Decodable {
        let id: Int
        let messageID: Int
        let filename: String
        let size: Int
    }

    /// The conversation as the customer saw it: public replies and their files, never internal
    /// notes or what is attached to them.
    func conversation(ticketID: Int, on db: any Database) async throws -> [PublicMessage] {
        struct Row: Decodable {
            let id: Int
            let authorKind: AuthorKind
            let agentName: String?
            let customerName: String?
            let body: String
            let createdAt: Date
        }
        let rows = try await db.sql.raw(
            """
            SELECT m.id AS "id", m.author_kind AS "authorKind", a.name AS "agentName", c.name AS "customerName", m.body AS "body",
                m.created_at AS "createdAt"
            FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id LEFT JOIN customers c ON c.id = m.author_customer_id
            WHERE m.ticket_id = \(bind: ticketID) AND m.kind = \(bind: MessageKind.reply.rawValue)
            ORDER BY m.created_at, m.id
            """
        ).all(decoding: Row.self)
        let files = try await db.sql.raw(
            """
            SELECT f.id AS "id", f.message_id AS "messageID", f.filename AS "filename", f.size AS "size"
            FROM attachments f JOIN messages m ON m.id = f.message_id
            WHERE f.ticket_id = \(bind: ticketID) AND m.kind = \(bind: MessageKind.reply.rawValue)
            ORDER BY f.id
            """
        ).all(decoding: PublicFile.self)
        let filesByMessage = Dictionary(grouping: files, by: \.messageID)
        return rows.map { row in
            PublicMessage(
                id: row.id,
                authorName: row.authorKind == .customer ? row.customerName ?? "You" : row.agentName ?? "Support team",
                fromCustomer: row.authorKind == .customer, body: row.body, createdAt: row.createdAt,
                attachments: filesByMessage[row.id] ?? [])
        }
    }

    /// A file the customer may download: on a public reply of a request they may see.
    func visibleAttachment(_ id: Int, for customer: Customer, on db: any Database) async throws -> Attachment {
        guard let attachment = try await Attachment.find(id, on: db),
            let message = try await Message.find(attachment.messageID, on: db), message.kind == .reply,
            (try? await visibleTicket(attachment.ticketID, for: customer, on: db)) != nil
        else {
            throw RapportError.notFound("File \(id)")
        }
        return attachment
    }

    func reply(_ body: String, toTicket number: Int, by customer: Customer, on db: any Database) async throws {
        let ticket = try await visibleTicket(number, for: customer, on: db)
        guard ticket.status != .closed else {
            throw RapportError.conflict(
                "This request is closed. Start a new one from the help center and mention #\(number).")
        }
        _ = try await tickets.addMessage(
            NewMessage(kind: .reply, author: .customer, body: body), toTicket: number,
            by: .customer(id: try customer.requireID), on: db)
    }

    func markSolved(_ number: Int, by customer: Customer, on db: any Database) async throws {
        let ticket = try await visibleTicket(number, for: customer, on: db)
        guard ticket.status.isUnresolved else { return }
        var changes = TicketUpdate()
        changes.status = .solved
        try await tickets.update(ticketID: number, with: changes, by: .customer(id: try customer.requireID), on: db)
    }
}
