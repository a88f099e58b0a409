import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import RapportServer

@Suite("Migrations")
struct MigrationTests {
    static let tables = [
        "organizations", "customers", "customer_emails", "agents", "teams", "team_members", "api_tokens",
        "tickets", "ticket_tags", "messages", "attachments", "ticket_events", "ticket_search",
    ]

    @Test("from an empty database every migration runs, reverts and runs again", arguments: TestDatabase.allCases)
    func fromEmpty(database: TestDatabase) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rapport-migrate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var settings = RapportSettings(dataDirectory: directory, passwordHashCost: 4, migrateOnStart: false)
        if database == .postgres { settings.databaseURL = try await TestPostgres.shared.emptyDatabase() }
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            try await configure(app, settings: settings)
            #expect(try await existingTables(app.db).isDisjoint(with: Self.tables))
            try await app.autoMigrate()
            #expect(try await existingTables(app.db).isSuperset(of: Self.tables))
            try await app.autoRevert()
            #expect(try await existingTables(app.db).isDisjoint(with: Self.tables))
            try await app.autoMigrate()
            #expect(try await existingTables(app.db).isSuperset(of: Self.tables))
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    @Test("the SQLite file is in WAL mode with foreign keys enforced")
    func sqlitePragmas() async throws {
        try await withApp(.sqlite) { app, context in
            // The pragmas' own column names.
            // swift-format-ignore: AlwaysUseLowerCamelCase
            struct Mode: Decodable { let journal_mode: String }
            // swift-format-ignore: AlwaysUseLowerCamelCase
            struct Keys: Decodable { let foreign_keys: Int }
            let sql = app.db as! any SQLDatabase
            let mode = try await sql.raw("PRAGMA journal_mode").first(decoding: Mode.self)
            let keys = try await sql.raw("PRAGMA foreign_keys").first(decoding: Keys.self)
            #expect(mode?.journal_mode == "wal")
            #expect(keys?.foreign_keys == 1)
            #expect(
                FileManager.default.fileExists(atPath: context.directory.appendingPathComponent("rapport.sqlite").path))
        }
    }

    @Test("foreign keys reject a ticket for a customer who does not exist", arguments: TestDatabase.allCases)
    func foreignKeys(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            let ticket = Ticket()
            ticket.subject = "Orphan"
            ticket.status = .new
            ticket.priority = .normal
            ticket.channel = .api
            ticket.requesterID = 999_999
            ticket.createdAt = Date()
            ticket.updatedAt = Date()
            await #expect(throws: (any Error).self) { try await ticket.create(on: app.db) }
        }
    }

    private func existingTables(_ db: any Database) async throws -> Set<String> {
        struct Row: Decodable { let name: String }
        let sql = db as! any SQLDatabase
        let query: SQLQueryString =
            sql.dialect.name == "sqlite"
            ? "SELECT name AS \"name\" FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name AS \"name\" FROM information_schema.tables WHERE table_schema = 'public'"
        return Set(try await sql.raw(query).all(decoding: Row.self).map(\.name))
    }
}
