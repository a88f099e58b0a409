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
        let rows = try await db.sql.raw("""
            SELECT id FROM tickets WHERE requester_id IN \(SQLBind.group(requesters)) ORDER BY updated_at DESC, id DESC LIMIT \(bind: limit)
            """).all()
        return try await TicketQueries.summaries(ids: try rows.map { try $0.decode(column: "id", as: Int.self) }, on: db)
    }

    /// The ticket when the customer may see it; otherwise "not found", the same as a ticket that
    /// does not exist.
    func visibleTicket(_ number: Int, for customer: Customer, on db: any Database) async throws -> Ticket {
        guard let ticket = try await Ticket.find(number, on: db),
              try await visibleRequesters(for: customer, on: db).contains(ticket.requesterID) else {
            throw RapportError.notFound("Request #\(number)")
        }
        return ticket
    }

    struct PublicMessage: Sendable {
        let authorName: String
        let fromCustomer: Bool
        let body: String
        let createdAt: Date
    }

    /// The conversation as the customer saw it: public replies only, never internal notes.
    func conversation(ticketID: Int, on db: any Database) async throws -> [PublicMessage] {
        struct Row: Decodable {
            let authorKind: AuthorKind
            let agentName: String?
            let customerName: String?
            let body: String
            let createdAt: Date
        }
        let rows = try await db.sql.raw("""
            SELECT m.author_kind AS "authorKind", a.name AS "agentName", c.name AS "customerName", m.body AS "body", m.created_at AS "createdAt"
            FROM messages m LEFT JOIN agents a ON a.id = m.author_agent_id LEFT JOIN customers c ON c.id = m.author_customer_id
            WHERE m.ticket_id = \(bind: ticketID) AND m.kind = \(bind: MessageKind.reply.rawValue)
            ORDER BY m.created_at, m.id
            """).all(decoding: Row.self)
        return rows.map { row in
            PublicMessage(authorName: row.authorKind == .customer ? row.customerName ?? "You" : row.agentName ?? "Support team",
                          fromCustomer: row.authorKind == .customer, body: row.body, createdAt: row.createdAt)
        }
    }

    func reply(_ body: String, toTicket number: Int, by customer: Customer, on db: any Database) async throws {
        let ticket = try await visibleTicket(number, for: customer, on: db)
        guard ticket.status != .closed else {
            throw RapportError.conflict("This request is closed. Start a new one from the help center and mention #\(number).")
        }
        _ = try await tickets.addMessage(NewMessage(kind: .reply, author: .customer, body: body), toTicket: number,
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
