import FluentKit
import Foundation
import RapportCore
import SQLKit

/// A saved reply: text with placeholders, and the ticket fields it sets when it is used.
final class Macro: Model, @unchecked Sendable {
    static let schema = "macros"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @OptionalEnum(key: "set_status") var setStatus: TicketStatus?
    @OptionalEnum(key: "set_priority") var setPriority: TicketPriority?
    @OptionalField(key: "set_team_id") var setTeamID: Int?
    /// Assigns the ticket to whoever uses the macro.
    @Field(key: "assign_to_user") var assignToUser: Bool
    /// Space-separated tags to add.
    @Field(key: "add_tags") var addTags: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// The agent whose own macro this is; nil for a macro the whole team shares.
    @OptionalField(key: "owner_agent_id") var ownerAgentID: Int?

    init() {}
}

/// Agents keep macros of their own beside the shared ones. A title is unique among the shared
/// macros and among each agent's own, not across them.
struct AddMacroOwners: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Macro.schema).field("owner_agent_id", .int).update()
        try await database.dropIndex("uq_macros_title")
        // COALESCE: NULL owners (shared macros) must collide with each other too.
        try await database.sql.raw(
            "CREATE UNIQUE INDEX uq_macros_owner_title ON macros ((COALESCE(owner_agent_id, 0)), title)"
        ).run()
        try await database.createIndex("idx_macros_owner", on: Macro.schema, columns: ["owner_agent_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.dropIndex("idx_macros_owner")
        try await database.dropIndex("uq_macros_owner_title")
        try await database.schema(Macro.schema).deleteField("owner_agent_id").update()
        try await database.createIndex("uq_macros_title", on: Macro.schema, columns: ["title"], unique: true)
    }
}

struct CreateMacros: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Macro.schema)
            .intID()
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("set_status", .string)
            .field("set_priority", .string)
            .field("set_team_id", .int)
            .field("assign_to_user", .bool, .required)
            .field("add_tags", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .foreignKey("set_team_id", references: Team.schema, "id", onDelete: .setNull, name: "fk_macros_team")
            .create()
        try await database.createIndex("uq_macros_title", on: Macro.schema, columns: ["title"], unique: true)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Macro.schema).delete()
    }
}
