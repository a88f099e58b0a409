import FluentKit
import Foundation

final class Customer: Model, @unchecked Sendable {
    static let schema = "customers"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @OptionalField(key: "phone") var phone: String?
    /// `phone` in the form two spellings of a number share (`PhoneNumber.normalized`), to
    /// recognise a caller.
    @OptionalField(key: "phone_normalized") var phoneNormalized: String?
    @OptionalField(key: "locale") var locale: String?
    @OptionalField(key: "time_zone") var timeZone: String?
    @Field(key: "notes") var notes: String
    @OptionalField(key: "organization_id") var organizationID: Int?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// Set when one of their messages spoke of leaving (cancel, switch, lawyer, review…).
    @OptionalField(key: "churn_risk_since") var churnRiskSince: Date?
    /// A service tier ("vip", "enterprise") SLA policies can target; nil for none.
    @OptionalField(key: "tier") var tier: String?
    /// Sees every request of their organization in the customer portal.
    @Field(key: "is_org_manager") var isOrgManager: Bool

    init() {}
}

/// One of a customer's email addresses. `normalized` is unique across all customers, so an
/// address always leads to exactly one person.
final class CustomerEmail: Model, @unchecked Sendable {
    static let schema = "customer_emails"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "customer_id") var customerID: Int
    @Field(key: "address") var address: String
    @Field(key: "normalized") var normalized: String
    @Field(key: "is_primary") var isPrimary: Bool
    @Field(key: "created_at") var createdAt: Date
    /// Set when mail to this address bounced permanently; cleared when the customer writes again.
    @OptionalField(key: "bouncing_since") var bouncingSince: Date?
    @OptionalField(key: "bounce_reason") var bounceReason: String?

    init() {}

    init(customerID: Int, address: String, normalized: String, isPrimary: Bool, now: Date) {
        self.customerID = customerID
        self.address = address
        self.normalized = normalized
        self.isPrimary = isPrimary
        self.createdAt = now
    }
}

struct CreateCustomers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Customer.schema)
            .intID()
            .field("name", .string, .required)
            .field("phone", .string)
            .field("locale", .string)
            .field("time_zone", .string)
            .field("notes", .string, .required)
            .field("organization_id", .int)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .foreignKey(
                "organization_id", references: Organization.schema, "id", onDelete: .setNull,
                name: "fk_customers_organization"
            )
            .create()
        try await database.createIndex("idx_customers_organization", on: Customer.schema, columns: ["organization_id"])
        try await database.createIndex("idx_customers_updated", on: Customer.schema, columns: ["updated_at", "id"])

        try await database.schema(CustomerEmail.schema)
            .intID()
            .field("customer_id", .int, .required)
            .field("address", .string, .required)
            .field("normalized", .string, .required)
            .field("is_primary", .bool, .required)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "customer_id", references: Customer.schema, "id", onDelete: .cascade,
                name: "fk_customer_emails_customer"
            )
            .create()
        try await database.createIndex(
            "uq_customer_emails_normalized", on: CustomerEmail.schema, columns: ["normalized"], unique: true)
        try await database.createIndex(
            "idx_customer_emails_customer", on: CustomerEmail.schema, columns: ["customer_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CustomerEmail.schema).delete()
        try await database.schema(Customer.schema).delete()
    }
}
