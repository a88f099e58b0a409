import FluentKit
import FluentSQL
import Foundation
import SQLKit

/// A one-time sign-in link for the customer portal, stored only as a digest.
final class PortalSignInToken: Model, @unchecked Sendable {
    static let schema = "portal_sign_in_tokens"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "digest") var digest: String
    @Field(key: "customer_id") var customerID: Int
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// A signed-in customer's browser session in the portal, separate from agents' sessions.
final class PortalSession: Model, @unchecked Sendable {
    static let schema = "portal_sessions"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "digest") var digest: String
    @Field(key: "customer_id") var customerID: Int
    @Field(key: "csrf_token") var csrfToken: String
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct CreatePortal: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PortalSignInToken.schema)
            .intID()
            .field("digest", .string, .required)
            .field("customer_id", .int, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "customer_id", references: Customer.schema, "id", onDelete: .cascade, name: "fk_portal_tokens_customer"
            )
            .create()
        try await database.createIndex(
            "uq_portal_tokens_digest", on: PortalSignInToken.schema, columns: ["digest"], unique: true)
        try await database.createIndex(
            "idx_portal_tokens_customer", on: PortalSignInToken.schema, columns: ["customer_id", "created_at"])

        try await database.schema(PortalSession.schema)
            .intID()
            .field("digest", .string, .required)
            .field("customer_id", .int, .required)
            .field("csrf_token", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "customer_id", references: Customer.schema, "id", onDelete: .cascade,
                name: "fk_portal_sessions_customer"
            )
            .create()
        try await database.createIndex(
            "uq_portal_sessions_digest", on: PortalSession.schema, columns: ["digest"], unique: true)
        try await database.schema(Customer.schema).field("is_org_manager", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Customer.schema).deleteField("is_org_manager").update()
        try await database.schema(PortalSession.schema).delete()
        try await database.schema(PortalSignInToken.schema).delete()
    }
}
