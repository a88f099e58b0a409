import Vapor

/// Every route Rapport serves, in one place.
enum Routes {
    static func register(on app: Application, settings: RapportSettings) throws {
        app.get("health") { _ in HealthDTO(status: "ok") }

        let api = app.grouped("api", "v1")
        api.get("openapi.json") { req in try await OpenAPIDocument.response(for: req) }
        AuthRoutes().bootPublic(routes: api)
        try api.register(collection: MailInboundRoutes())  // its own token check: an MTA is no agent

        // Base64 makes files a third larger; allow a message's worth of attachments plus text.
        let messageBodyLimit = settings.attachmentMaximumBytes * 4 / 3 * 2 + 2 * 1024 * 1024
        let authenticated = api.grouped(
            ApiTokenAuthenticator(), RequireAgentMiddleware(), TicketAccessMiddleware(),
            IdempotencyMiddleware(maximumBodyBytes: messageBodyLimit))
        try authenticated.register(collection: AuthRoutes())
        try authenticated.register(collection: TicketRoutes(maximumBodyBytes: messageBodyLimit))
        try authenticated.register(collection: AttachmentRoutes())
        try authenticated.register(collection: CustomerRoutes())
        try authenticated.register(collection: OrganizationRoutes())
        try authenticated.register(collection: AgentRoutes())
        try authenticated.register(collection: TeamRoutes())
        try authenticated.register(collection: SearchRoutes())
        try authenticated.register(collection: CoachRoutes())

        try registerWorkspace(on: app, settings: settings, messageBodyLimit: messageBodyLimit)
    }

    /// The agent workspace: HTML pages behind a session cookie, every form CSRF-checked.
    private static func registerWorkspace(on app: Application, settings: RapportSettings, messageBodyLimit: Int) throws
    {
        try app.register(collection: AssetRoutes(directory: settings.publicDirectory))
        let web = app.grouped(SecurityHeadersMiddleware(), WebSessionAuthenticator())
        try web.register(collection: SignInPage())
        try web.grouped(SameOriginPostMiddleware()).register(collection: WelcomePage())
        // Public: the help center and the customer portal, which checks its own sessions.
        try web.grouped(SameOriginPostMiddleware()).register(collection: HelpCenterPages())
        try web.grouped(SameOriginPostMiddleware()).register(collection: PortalPages())
        let signedIn = web.grouped(RequireSignedInMiddleware(), TicketAccessMiddleware(), LiveCursorMiddleware())
        // The ticket page takes attachments; every other form is small.
        try signedIn.grouped(CSRFProtectionMiddleware(maximumBodyBytes: messageBodyLimit))
            .register(collection: TicketPage(maximumBodyBytes: messageBodyLimit))
        let forms = signedIn.grouped(CSRFProtectionMiddleware(maximumBodyBytes: 1024 * 1024))
        forms.get { req in req.redirect(to: "/inbox") }
        forms.post("sign-out", use: SignInPage.signOut)
        try forms.register(collection: ThemeRoutes())
        try forms.register(collection: InboxPage())
        try forms.register(collection: LiveRoutes())
        forms.get("attachments", ":id", use: AttachmentRoutes().download)  // the files on the ticket page
        try forms.register(collection: NewTicketPage())
        try forms.register(collection: CustomerPages())
        try forms.register(collection: OrganizationPages())
        try forms.register(collection: SearchPage())
        try forms.register(collection: TeamAdminPages())
        try forms.register(collection: MacroPages())
        try forms.register(collection: AgentAdminPages())
        try forms.register(collection: ProfilePage())
        try forms.register(collection: MailSettingsPages())
        try forms.register(collection: ServiceLevelPages())
        try forms.register(collection: AutomationPages())
        try forms.register(collection: NotificationPages())
        try forms.register(collection: DelayNoticeRoutes())
        try forms.register(collection: KnowledgeBasePages())
        try forms.register(collection: HelpCenterSettingsPage(maximumLogoBytes: 512 * 1024))
    }
}

struct HealthDTO: Content {
    let status: String
}
