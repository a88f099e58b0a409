import Foundation
import RapportServer
import Vapor

/// Starts an application configured for a command, runs `body`, and always shuts it down.
func withApplication<T>(
    _ storage: StorageOptions, arguments: [String] = ["rapport"], migrate: Bool = true,
    _ body: (Application) async throws -> T
) async throws -> T {
    var environment = Environment(name: Environment.get("RAPPORT_ENV") ?? "production", arguments: arguments)
    try LoggingSystem.bootstrap(from: &environment)
    let app = try await Application.make(environment)
    if arguments.count < 2 {
        // Commands other than serve print their own results; migration chatter would bury them.
        app.logger.logLevel = .warning
    }
    do {
        // Only a running server runs the background jobs (mail, SLA checks, rules); one-off commands do not.
        var settings = try storage.settings(
            migrate: migrate, backgroundJobs: arguments.count >= 2 && arguments[1] == "serve")
        // Links in email (portal sign-in) point here: RAPPORT_PUBLIC_URL behind a proxy, else the
        // address the server listens on. Never the request's Host header, which a sender controls.
        if let configured = Environment.get("RAPPORT_PUBLIC_URL"), !configured.isEmpty {
            settings.publicURL = configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        } else if let host = arguments.firstIndex(of: "--hostname").map({ arguments[$0 + 1] }),
            let port = arguments.firstIndex(of: "--port").map({ arguments[$0 + 1] })
        {
            settings.publicURL = "http://\(host):\(port)"
        }
        try await configure(app, settings: settings)
        let result = try await body(app)
        try await app.asyncShutdown()
        return result
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
}
