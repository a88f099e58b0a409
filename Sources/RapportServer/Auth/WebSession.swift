import FluentKit
import Foundation

/// A signed-in browser. The cookie carries a random token; the database keeps only its SHA-256,
/// plus the CSRF token every form of this session must send back.
final class WebSession: Model, @unchecked Sendable {
    static let schema = "web_sessions"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "agent_id") var agentID: Int
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "user_agent") var userAgent: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date

    init() {}
}

struct CreateWebSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebSession.schema)
            .intID()
            .field("agent_id", .int, .required)
            .field("token_hash", .string, .required)
            .field("csrf_token", .string, .required)
            .field("user_agent", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .foreignKey("agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_web_sessions_agent")
            .create()
        try await database.createIndex(
            "uq_web_sessions_token", on: WebSession.schema, columns: ["token_hash"], unique: true)
        try await database.createIndex("idx_web_sessions_agent", on: WebSession.schema, columns: ["agent_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebSession.schema).delete()
    }
}
