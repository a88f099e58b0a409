import FluentKit
import Foundation
import RapportCore
import SQLKit

/// The audit trail: one row for every change to a ticket — who, what, before, after, when.
final class TicketEvent: Model, @unchecked Sendable {
    static let schema = "ticket_events"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Enum(key: "actor_kind") var actorKind: AuthorKind
    @OptionalField(key: "actor_agent_id") var actorAgentID: Int?
    @OptionalField(key: "actor_customer_id") var actorCustomerID: Int?
    @Field(key: "field") var field: String
    @OptionalField(key: "before") var before: String?
    @OptionalField(key: "after") var after: String?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// Writes one change to the trail, in the caller's transaction.
    /// One change made outside a ticket write (an SLA alert, a bounce): it goes into the history
    /// and, so that open ticket pages show it, into the live event log.
    static func record(
        _ change: TicketChange, ticketID: Int, by actor: ActingParty, at now: Date, in tx: WriteTransaction
    ) async throws {
        try await record([(change, actor)], ticketID: ticketID, at: now, in: tx)
        let owner = try await TicketOwner.load(ticketID, on: tx.db)
        tx.publish(
            LiveEventDraft(
                kind: .ticketUpdated, ticketID: ticketID, teamID: owner?.teamID, assigneeID: owner?.assigneeID,
                actorAgentID: actor.agentID, data: LiveEventData(fields: [change.field.rawValue]), at: now))
    }

    /// Writes every change of a write in one statement, each with who made it: a model save
    /// per row costs more than the insert itself.
    static func record(_ changes: [(TicketChange, ActingParty)], ticketID: Int, at now: Date, in tx: WriteTransaction)
        async throws
    {
        guard !changes.isEmpty else { return }
        var insert = tx.sql.insert(into: schema)
            .columns(
                "ticket_id", "actor_kind", "actor_agent_id", "actor_customer_id", "field", "before", "after",
                "created_at")
        for (change, actor) in changes {
            insert = insert.values(
                ticketID, actor.kind.rawValue, actor.agentID, actor.customerID, change.field.rawValue, change.before,
                change.after, now)
        }
        try await insert.run()
    }
}

struct CreateTicketEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TicketEvent.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("actor_kind", .string, .required)
            .field("actor_agent_id", .int)
            .field("actor_customer_id", .int)
            .field("field", .string, .required)
            .field("before", .string)
            .field("after", .string)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_ticket_events_ticket"
            )
            .foreignKey(
                "actor_agent_id", references: Agent.schema, "id", onDelete: .setNull, name: "fk_ticket_events_agent"
            )
            .foreignKey(
                "actor_customer_id", references: Customer.schema, "id", onDelete: .setNull,
                name: "fk_ticket_events_customer"
            )
            .create()
        try await database.createIndex(
            "idx_ticket_events_ticket", on: TicketEvent.schema, columns: ["ticket_id", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TicketEvent.schema).delete()
    }
}
