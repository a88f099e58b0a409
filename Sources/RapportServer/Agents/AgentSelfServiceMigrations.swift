import FluentKit
import FluentSQL
import RapportCore
import SQLKit

/// Each agent's choice of what they are told about, and how (see `NotificationPreferences`).
struct AddAgentNotificationPreferences: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Agent.schema).field("notification_preferences", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Agent.schema).deleteField("notification_preferences").update()
    }
}

/// Links that let an invited agent choose their password (or an agent who forgot theirs choose
/// a new one): kept as a SHA-256 digest, single use, with an expiry.
struct CreateAgentInvitations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AgentInvitation.schema)
            .intID()
            .field("agent_id", .int, .required)
            .field("token_digest", .string, .required)
            .field("purpose", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .foreignKey(
                "agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_agent_invitations_agent"
            )
            .create()
        try await database.createIndex(
            "uq_agent_invitations_token", on: AgentInvitation.schema, columns: ["token_digest"], unique: true)
        try await database.createIndex("idx_agent_invitations_agent", on: AgentInvitation.schema, columns: ["agent_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AgentInvitation.schema).delete()
    }
}

/// Which tickets each agent works on (`TicketScope`): every agent keeps seeing all of them
/// until an admin narrows it.
struct AddAgentTicketScope: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Agent.schema).field(
            "ticket_scope", .string, .required, .sql(.default(TicketScope.all.rawValue))
        ).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Agent.schema).deleteField("ticket_scope").update()
    }
}
