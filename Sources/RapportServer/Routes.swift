import Vapor

/// Every route Rapport serves, in one place.
enum Routes {
    static func register(on app: Application, settings: RapportSettings) throws {
        app.get("health") { _ in HealthDTO(status: "ok") }
        app.get { _ in Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: LandingPage.html)) }

        let api = app.grouped("api", "v1")
        api.get("openapi.json") { req in try await OpenAPIDocument.response(for: req) }
        AuthRoutes().bootPublic(routes: api)

        let authenticated = api.grouped(ApiTokenAuthenticator(), RequireAgentMiddleware())
        // Base64 makes files a third larger; allow a message's worth of attachments plus text.
        let messageBodyLimit = settings.attachmentMaximumBytes * 4 / 3 * 2 + 2 * 1024 * 1024
        try authenticated.register(collection: AuthRoutes())
        try authenticated.register(collection: TicketRoutes(maximumBodyBytes: messageBodyLimit))
        try authenticated.register(collection: AttachmentRoutes())
        try authenticated.register(collection: CustomerRoutes())
        try authenticated.register(collection: OrganizationRoutes())
        try authenticated.register(collection: AgentRoutes())
        try authenticated.register(collection: TeamRoutes())
        try authenticated.register(collection: SearchRoutes())
    }
}

struct HealthDTO: Content {
    let status: String
}

/// What `/` shows until the agent workspace is served there: where to go next.
enum LandingPage {
    static let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Rapport</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
        code{background:#f0f4f8;padding:.1rem .3rem;border-radius:4px}</style></head>
        <body><h1>Rapport is running</h1>
        <p>The JSON API is at <code>/api/v1</code>; its OpenAPI description is at
        <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.</p>
        <p>Get a token with <code>POST /api/v1/auth/tokens</code> and send it as
        <code>Authorization: Bearer &lt;token&gt;</code>.</p></body></html>
        """
}
