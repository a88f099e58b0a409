import FluentKit
import Foundation

/// A per-agent API token. Only its SHA-256 is stored; the token itself is shown once.
final class ApiToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "agent_id") var agentID: Int
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    /// The first characters of the token, to tell tokens apart in lists.
    @Field(key: "prefix") var prefix: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    /// After this the token no longer works; nil for a token that lasts until revoked.
    @OptionalField(key: "expires_at") var expiresAt: Date?

    init() {}
}

struct CreateApiTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ApiToken.schema)
            .intID()
            .field("agent_id", .int, .required)
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_used_at", .datetime)
            .foreignKey("agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_api_tokens_agent")
            .create()
        try await database.createIndex("uq_api_tokens_hash", on: ApiToken.schema, columns: ["token_hash"], unique: true)
        try await database.createIndex("idx_api_tokens_agent", on: ApiToken.schema, columns: ["agent_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ApiToken.schema).delete()
    }
}
