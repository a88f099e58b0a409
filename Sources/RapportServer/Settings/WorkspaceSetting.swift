import FluentKit
import Foundation

/// A small named setting of the workspace, stored as JSON (mail, help-center branding, SLA settings…).
final class WorkspaceSetting: Model, @unchecked Sendable {
    static let schema = "workspace_settings"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "value") var value: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    init(key: String, value: String, now: Date) {
        id = key
        self.value = value
        updatedAt = now
    }
}

extension WorkspaceSetting {
    /// The setting decoded, or nil when it is missing or unreadable.
    static func decoded<T: Decodable>(_ type: T.Type, key: String, on db: any Database) async throws -> T? {
        guard let row = try await WorkspaceSetting.find(key, on: db) else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(row.value.utf8))
    }

    static func store(_ value: some Encodable, key: String, now: Date, on db: any Database) async throws {
        let json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        if let row = try await WorkspaceSetting.find(key, on: db) {
            row.value = json
            row.updatedAt = now
            try await row.update(on: db)
        } else {
            try await WorkspaceSetting(key: key, value: json, now: now).create(on: db)
        }
    }
}
