import FluentKit
import Foundation
import RapportCore

final class Agent: Model, @unchecked Sendable {
    static let schema = "agents"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "email") var email: String
    @Enum(key: "role") var role: AgentRole
    @Field(key: "signature") var signature: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "is_active") var isActive: Bool
    /// Which tickets they work on; admins see every ticket whatever this says.
    @Field(key: "ticket_scope") var ticketScope: TicketScope
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// JSON of `NotificationPreferences`; nil for the defaults.
    @OptionalField(key: "notification_preferences") var notificationPreferencesJSON: String?

    init() {}

    var notificationPreferences: NotificationPreferences { NotificationPreferences.decode(notificationPreferencesJSON) }
}

struct CreateAgents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Agent.schema)
            .intID()
            .field("name", .string, .required)
            .field("email", .string, .required)
            .field("role", .string, .required)
            .field("signature", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_active", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex("uq_agents_email", on: Agent.schema, columns: ["email"], unique: true)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Agent.schema).delete()
    }
}
