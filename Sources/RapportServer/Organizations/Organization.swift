import FluentKit
import Foundation

final class Organization: Model, @unchecked Sendable {
    static let schema = "organizations"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @OptionalField(key: "domain") var domain: String?
    @Field(key: "notes") var notes: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(name: String, domain: String?, notes: String, now: Date) {
        self.name = name
        self.domain = domain
        self.notes = notes
        self.createdAt = now
        self.updatedAt = now
    }
}

struct CreateOrganizations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Organization.schema)
            .intID()
            .field("name", .string, .required)
            .field("domain", .string)
            .field("notes", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex(
            "uq_organizations_name", on: Organization.schema, columns: ["name"], unique: true)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Organization.schema).delete()
    }
}
