import FluentKit
import Foundation
import RapportCore
import SQLKit

/// A ticket. Its integer id is also the human-friendly number customers see (`#1234`).
final class Ticket: Model, @unchecked Sendable {
    static let schema = "tickets"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "subject") var subject: String
    @Enum(key: "status") var status: TicketStatus
    @Enum(key: "priority") var priority: TicketPriority
    @Enum(key: "channel") var channel: TicketChannel
    @Field(key: "requester_id") var requesterID: Int
    @OptionalField(key: "assignee_id") var assigneeID: Int?
    @OptionalField(key: "team_id") var teamID: Int?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "first_response_at") var firstResponseAt: Date?
    @OptionalField(key: "solved_at") var solvedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    /// When the customer started waiting for an answer: their first message since the last
    /// public reply. `nil` while the ball is in the customer's court or the ticket is done.
    @OptionalField(key: "awaiting_reply_since") var awaitingReplySince: Date?
    /// When the ticket entered its current status (time-based rules measure from it).
    @OptionalField(key: "status_changed_at") var statusChangedAt: Date?
    /// The nearest SLA deadline among the clocks that are counting; nil when none counts.
    @OptionalField(key: "sla_due_at") var slaDueAt: Date?
    /// When the nearest counting clock reaches its escalation share: "at risk" from then on.
    @OptionalField(key: "sla_at_risk_at") var slaAtRiskAt: Date?
    /// When the SLA check next has something to do for this ticket (escalate, notify, breach).
    @OptionalField(key: "sla_alert_at") var slaAlertAt: Date?

    init() {}
}

final class TicketTag: Model, @unchecked Sendable {
    static let schema = "ticket_tags"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Field(key: "tag") var tag: String

    init() {}

    init(ticketID: Int, tag: String) {
        self.ticketID = ticketID
        self.tag = tag
    }
}

struct CreateTickets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Ticket.schema)
            .intID()
            .field("subject", .string, .required)
            .field("status", .string, .required)
            .field("priority", .string, .required)
            .field("channel", .string, .required)
            .field("requester_id", .int, .required)
            .field("assignee_id", .int)
            .field("team_id", .int)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("first_response_at", .datetime)
            .field("solved_at", .datetime)
            .field("closed_at", .datetime)
            .foreignKey(
                "requester_id", references: Customer.schema, "id", onDelete: .restrict, name: "fk_tickets_requester"
            )
            .foreignKey("assignee_id", references: Agent.schema, "id", onDelete: .setNull, name: "fk_tickets_assignee")
            .foreignKey("team_id", references: Team.schema, "id", onDelete: .setNull, name: "fk_tickets_team")
            .create()
        // The inbox and the API list tickets newest-updated first, filtered by these columns.
        try await database.createIndex("idx_tickets_updated", on: Ticket.schema, columns: ["updated_at", "id"])
        try await database.createIndex(
            "idx_tickets_status_updated", on: Ticket.schema, columns: ["status", "updated_at", "id"])
        try await database.createIndex(
            "idx_tickets_assignee_status_updated", on: Ticket.schema,
            columns: ["assignee_id", "status", "updated_at", "id"])
        try await database.createIndex(
            "idx_tickets_team_status_updated", on: Ticket.schema, columns: ["team_id", "status", "updated_at", "id"])
        try await database.createIndex(
            "idx_tickets_requester_updated", on: Ticket.schema, columns: ["requester_id", "updated_at", "id"])

        try await database.schema(TicketTag.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("tag", .string, .required)
            .foreignKey("ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_ticket_tags_ticket")
            .create()
        try await database.createIndex(
            "uq_ticket_tags_ticket_tag", on: TicketTag.schema, columns: ["ticket_id", "tag"], unique: true)
        try await database.createIndex("idx_ticket_tags_tag", on: TicketTag.schema, columns: ["tag", "ticket_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TicketTag.schema).delete()
        try await database.schema(Ticket.schema).delete()
    }
}

/// Adds `awaiting_reply_since`, which the inbox shows as waiting time and sorts by, fills it in
/// for tickets that already exist, and indexes the inbox's other orders.
struct AddTicketAwaitingReply: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Ticket.schema).field("awaiting_reply_since", .datetime).update()
        try await database.createIndex(
            "idx_tickets_status_awaiting", on: Ticket.schema, columns: ["status", "awaiting_reply_since", "id"])
        // "Newest" and "oldest" order by id within a status.
        try await database.createIndex("idx_tickets_status_id", on: Ticket.schema, columns: ["status", "id"])
        try await TicketWaiting.backfill(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX IF EXISTS idx_tickets_status_awaiting").run()
        try await database.sql.raw("DROP INDEX IF EXISTS idx_tickets_status_id").run()
        try await database.schema(Ticket.schema).deleteField("awaiting_reply_since").update()
    }
}

enum TicketWaiting {
    /// Sets `awaiting_reply_since` of open tickets from their messages: the first customer reply
    /// after the last agent reply. Used by the migration and by bulk imports.
    static func backfill(on database: any Database) async throws {
        try await database.sql.raw(
            """
            UPDATE tickets SET awaiting_reply_since = (
                SELECT MIN(m.created_at) FROM messages m
                WHERE m.ticket_id = tickets.id AND m.author_kind = 'customer' AND m.kind = 'reply'
                  AND m.id > COALESCE((SELECT MAX(r.id) FROM messages r
                                       WHERE r.ticket_id = tickets.id AND r.author_kind = 'agent' AND r.kind = 'reply'), 0))
            WHERE status IN ('new', 'open')
            """
        ).run()
    }
}
