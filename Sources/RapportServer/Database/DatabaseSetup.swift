import Fluent
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import RapportCore
import SQLKit
import Vapor

enum DatabaseSetup {
    /// PostgreSQL connections kept per event loop (one loop per core).
    static let postgresConnectionsPerEventLoop = 4

    /// Connects Fluent to PostgreSQL when a URL is configured, otherwise to the SQLite file.
    static func configure(_ app: Application, settings: RapportSettings) async throws {
        if settings.usesPostgres, let url = settings.databaseURL {
            do {
                let configuration = try SQLPostgresConfiguration(url: url)
                // Write transactions take at most half of these (`WriteGate`); a request waits
                // for a connection as long as SQLite's writers wait for the lock, not 10 s.
                app.databases.use(
                    .postgres(
                        configuration: configuration, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop,
                        connectionPoolTimeout: .seconds(30),
                        sqlLogLevel: .debug), as: .psql)
                app.databases.middleware.use(
                    WriteGate.Carrier(gate: WriteGate(WriteGate.postgres)), on: .psql)
            } catch {
                throw RapportMessageError(
                    "DATABASE_URL is not a usable PostgreSQL URL (\(error)). Expected postgres://user:password@host:port/database"
                )
            }
        } else {
            try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
            app.databases.use(
                .sqlite(.file(settings.sqliteFile.path), connectionPoolTimeout: .seconds(30), sqlLogLevel: .debug),
                as: .sqlite)
            app.databases.middleware.use(
                WriteGate.Carrier(gate: WriteGate(WriteGate.sqlite)), on: .sqlite)
            try await tuneSQLiteConnections(app)
        }
    }

    /// FluentSQLiteDriver keeps one connection per event loop and has no per-connection hook, so
    /// each loop's connection is tuned once here. WAL is stored in the file; the rest is per
    /// connection. Foreign keys are switched on by the driver for every connection it opens.
    private static func tuneSQLiteConnections(_ app: Application) async throws {
        for eventLoop in app.eventLoopGroup.makeIterator() {
            guard let database = app.databases.database(.sqlite, logger: app.logger, on: eventLoop) else { continue }
            try await database.withConnection { connection in
                let sql = connection.sql
                try await sql.raw("PRAGMA journal_mode=WAL").run()
                try await sql.raw("PRAGMA synchronous=NORMAL").run()
                try await sql.raw("PRAGMA busy_timeout=10000").run()
                // SQLite's default page cache is 2 MB; a large desk's indexes want more of
                // their upper levels in memory. 32 MB per connection keeps the server small.
                try await sql.raw("PRAGMA cache_size=-32768").run()
                try await sql.raw("PRAGMA temp_store=MEMORY").run()
            }
        }
    }
}
