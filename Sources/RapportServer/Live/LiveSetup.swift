import Fluent
import FluentKit
import FluentPostgresDriver
import Vapor

extension Application {
    private struct LiveHubKey: StorageKey {
        typealias Value = LiveHub
    }

    /// This instance's follower of the event log.
    var live: LiveHub {
        get {
            guard let hub = storage[LiveHubKey.self] else {
                fatalError("configure(_:settings:) sets up the live hub before any route runs")
            }
            return hub
        }
        set { storage[LiveHubKey.self] = newValue }
    }
}

enum LiveSetup {
    /// Creates the hub and stops it when the application shuts down. On PostgreSQL it listens for
    /// other instances on a connection of its own, outside the pool.
    static func configure(_ app: Application, settings: RapportSettings) throws {
        var postgres: PostgresConnection.Configuration?
        if settings.usesPostgres, let url = settings.databaseURL {
            postgres = try SQLPostgresConfiguration(url: url).coreConfiguration
        }
        let services = app.rapport
        // The hub's own logger: its polling is background work, not part of any request's log.
        var logger = Logger(label: "rapport.live")
        logger.logLevel = app.logger.logLevel
        let fixedLogger = logger
        let database: @Sendable () -> (any Database)? = {
            app.databases.database(logger: fixedLogger, on: app.eventLoopGroup.any())
        }
        app.live = LiveHub(
            database: database, presence: services.presence,
            configuration: services.configuration,
            postgres: postgres, eventLoop: app.eventLoopGroup.any(), logger: fixedLogger
        )
        app.lifecycle.use(LiveLifecycle())
    }
}

private struct LiveLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.live.stop()
    }
}

/// Records, before a workspace page reads anything, where the event log stands, so that the
/// page's script follows from there and misses nothing that happens while the page is built.
struct LiveCursorMiddleware: AsyncMiddleware {
    struct Key: StorageKey { typealias Value = Int }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .GET, request.headers.first(name: .upgrade) == nil {
            request.storage[Key.self] = try? await request.application.live.cursor()
        }
        return try await next.respond(to: request)
    }
}
