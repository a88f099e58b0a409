import FluentKit
import SQLKit

extension SchemaBuilder {
    /// An auto-incrementing integer primary key, the same on SQLite and PostgreSQL.
    func intID() -> Self { field(.id, .int, .identifier(auto: true)) }
}

extension Database {
    /// Creates a named index; Fluent's schema API has none.
    func createIndex(_ name: String, on table: String, columns: [String], unique: Bool = false) async throws {
        var builder = sql.create(index: SQLIdentifier(name)).on(SQLIdentifier(table))
        if unique { builder = builder.unique() }
        for column in columns { builder = builder.column(SQLIdentifier(column)) }
        try await builder.run()
    }

    func dropIndex(_ name: String) async throws {
        try await sql.drop(index: SQLIdentifier(name)).ifExists().run()
    }
}

extension Model where IDValue == Int {
    /// The row with this id, or a "not found" error naming `what` ("Calendar 7 was not found").
    static func find(_ id: Int, orNotFound what: String, on db: any Database) async throws -> Self {
        guard let model = try await find(id, on: db) else { throw RapportError.notFound("\(what) \(id)") }
        return model
    }
}

extension Model {
    /// The database id of a saved model; models are only handed around after they are saved.
    var requireID: IDValue {
        get throws {
            guard let id else { throw FluentError.idRequired }
            return id
        }
    }
}
