import Fluent
import FluentKit
import Leaf
import LeafKit
import RapportCore
import Vapor

/// Sets up an application: database, migrations, services, middleware and routes. The `rapport`
/// command and the tests both call this.
public func configure(_ app: Application, settings: RapportSettings) async throws {
    ContentConfiguration.global.use(encoder: RapportJSON.encoder(), for: .json)
    ContentConfiguration.global.use(decoder: RapportJSON.decoder(), for: .json)

    try await DatabaseSetup.configure(app, settings: settings)
    app.migrations.add(RapportMigrations.all)
    app.rapport = try RapportServices(settings: settings)
    try LiveSetup.configure(app, settings: settings)
    guard FileManager.default.fileExists(atPath: settings.viewsDirectory.appendingPathComponent("layout.leaf").path)
    else {
        throw RapportMessageError(
            "The workspace templates are not in \(settings.viewsDirectory.path). Run Rapport from its checkout, or set RAPPORT_RESOURCES to the folder that holds Resources/ and Public/."
        )
    }
    app.views.use(.leaf)
    app.leaf.configuration = LeafConfiguration(rootDirectory: settings.viewsDirectory.path + "/")

    // Replace Vapor's default middleware so every error, including 404s for unknown routes,
    // is answered in the API's JSON shape.
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(RapportErrorMiddleware())
    app.routes.defaultMaxBodySize = "1mb"
    let idle = settings.idleConnectionTimeout.components
    app.http.server.configuration.idleTimeout = .nanoseconds(
        idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)

    try Routes.register(on: app, settings: settings)
    app.lifecycle.use(JobWorker(settings: settings.background))

    if settings.migrateOnStart {
        try await app.autoMigrate()
    }
}
