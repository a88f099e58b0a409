import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// Every page the application registers, visited in a real Chromium at desktop and phone width
/// (Tests/BrowserTests/layout_check.py): none may scroll sideways or let an element spill out
/// of its box. The pages come from the route table with real ids filled in, so a new page is
/// checked as soon as it is registered, and a route this test cannot fill fails it.
@Suite("Every page fits at desktop and phone width")
struct LayoutBrowserTests {
    /// GET routes that are not pages: data for scripts, downloads, redirects, sign-in steps.
    static let notPages: Set<String> = [
        "/", "/health", "/favicon.ico", "/assets/**", "/inbox/counts", "/tickets/:number/macros/:macroID",
        "/attachments/:id",
        "/portal", "/portal/auth", "/portal/files/:id", "/help/logo", "/help/brand.css", "/help/suggestions", "/admin",
        "/notifications/:id/open",
    ]

    @Test("no page scrolls sideways or spills out of its container, at 1400 and 390 px")
    func everyPageFits() async throws {
        try await withApp(.sqlite) { app, context in
            let spec = try await Self.prepare(app, context)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else {
                throw RapportMessageError("the test server has no port")
            }
            let artifacts = BrowserTests.artifactDirectory(for: .sqlite) + "-layout"
            let specFile = FileManager.default.temporaryDirectory.appendingPathComponent(
                "rapport-layout-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
            defer { try? FileManager.default.removeItem(at: specFile) }
            let script = BrowserTests.packageRoot.appendingPathComponent("Tests/BrowserTests/layout_check.py").path
            do {
                let output = try await BrowserSlot.shared.run(
                    "/usr/bin/timeout",
                    ["900", "/usr/bin/env", "python3", script, "http://127.0.0.1:\(port)", specFile.path, artifacts])
                await app.server.shutdown()
                #expect(output.contains("layout check passed"), "\(output.suffix(3_000))")
            } catch {
                await app.server.shutdown()
                Issue.record(
                    "the layout check failed; screenshots are in \(artifacts)\n\(String(describing: error).suffix(6_000))"
                )
            }
        }
    }

    static func prepare(_ app: Application, _ context: TestContext) async throws -> [String: Any] {
        _ = try await DemoWorkspace(customerCount: 30, ticketCount: 80).seed(app)
        let db = app.db
        let admin = try #require(try await Agent.query(on: db).filter(\.$email == DemoWorkspace.adminEmail).first())
        let adminID = try admin.requireID
        let other = try #require(
            try await Agent.query(on: db).filter(\.$id != adminID).filter(\.$isActive == true).first())
        // A ticket with a conversation, a file and an open composer, from a customer with a portal login.
        let ticket = try #require(try await Ticket.query(on: db).filter(\.$status == .open).sort(\.$id).first())
        let number = try ticket.requireID
        _ = try await app.rapport.tickets.addMessage(
            NewMessage(
                kind: .reply, author: .agent,
                body: "Here is the manual: https://example.com/manuals/thermostat-model-7-installation-guide.pdf",
                attachments: [
                    NewAttachment(
                        filename: "a-rather-long-file-name-for-the-installation-manual-v7.pdf",
                        contentType: "application/pdf", data: Data(repeating: 1, count: 2_000))
                ]),
            toTicket: number, by: .agent(id: adminID), on: db)
        let customerID = ticket.requesterID
        let organizationID = try #require(try await Organization.query(on: db).first()?.id)
        let macroID = try #require(try await Macro.query(on: db).first()?.id)
        let ownMacro = try await app.rapport.macros.create(
            MacroInput(title: "My sign-off", body: "Best, {{agent.first_name}}"), owner: adminID, on: db)
        let published = try #require(try await KBTranslation.query(on: db).filter(\.$publishedAt != nil).first())
        let article = try #require(try await KBArticle.find(published.articleID, on: db))
        let category = try #require(try await KBCategory.query(on: db).first())
        let calendarID = try #require(try await BusinessCalendarRecord.query(on: db).first()?.id)
        let policyID = try #require(try await SLAPolicy.query(on: db).first()?.id)
        let ruleID = try #require(try await AutomationRule.query(on: db).first()?.id)
        let mailboxID = try await app.rapport.mailSetup.saveMailbox(
            .init(
                name: "Support inbox",
                server: .init(
                    host: "imap.example.com", port: 993, security: .tls, username: "support@example.com",
                    password: "secret", verifyCertificates: true),
                folder: "INBOX", afterImport: "seen", moveTo: "", enabled: true), on: db)
        let invitation = try await app.rapport.agentAccess.issueLink(
            for: try other.requireID, purpose: .reset, publicURL: "", on: db)
        let portalToken = PortalAuthService.tokenPrefix + Data([UInt8].random(count: 32)).base64URLEncodedString()
        let signIn = PortalSignInToken()
        signIn.digest = ApiTokenService.digest(portalToken)
        signIn.customerID = customerID
        signIn.expiresAt = context.clock.now().addingTimeInterval(1800)
        signIn.createdAt = context.clock.now()
        try await signIn.create(on: db)
        // The admin signs in with a password of their own.
        var change = AgentUpdate()
        change.password = "layout check password"
        try await app.rapport.agents.update(agentID: adminID, with: change, on: db)

        let filled: [String: String] = [
            "/tickets/:number": "/tickets/\(number)",
            "/customers/:id": "/customers/\(customerID)",
            "/organizations/:id": "/organizations/\(organizationID)",
            "/admin/macros/:id": "/admin/macros/\(macroID)",
            "/macros/:id": "/macros/\(ownMacro)",
            "/kb/articles/:id": "/kb/articles/\(try article.requireID)",
            "/help/articles/:slug": "/help/articles/\(article.slug)",
            "/help/categories/:slug": "/help/categories/\(category.slug)",
            "/admin/sla/calendars/:id": "/admin/sla/calendars/\(calendarID)",
            "/admin/sla/policies/:id": "/admin/sla/policies/\(policyID)",
            "/admin/automations/:id": "/admin/automations/\(ruleID)",
            "/admin/mail/mailboxes/:id": "/admin/mail/mailboxes/\(mailboxID)",
            "/admin/agents/:id/deactivate": "/admin/agents/\(try other.requireID)/deactivate",
            "/portal/requests/:number": "/portal/requests/\(number)",
            "/welcome": "/welcome?token=" + (invitation.url.components(separatedBy: "token=").last ?? ""),
        ]
        var paths: [String] = []
        var unfillable: [String] = []
        for route in app.routes.all where route.method == .GET {
            let template =
                "/"
                + route.path.map { component -> String in
                    switch component {
                    case .constant(let text): text
                    case .parameter(let name): ":" + name
                    case .anything: "*"
                    case .catchall: "**"
                    }
                }.joined(separator: "/")
            if template.hasPrefix("/api/") || notPages.contains(template) { continue }
            if let path = filled[template] {
                paths.append(path)
            } else if template.contains(":") || template.contains("*") {
                unfillable.append(template)
            } else {
                paths.append(template)
            }
        }
        if !unfillable.isEmpty {
            throw RapportMessageError("no id to visit these pages with; fill them in LayoutBrowserTests: \(unfillable)")
        }
        // Views and states that look different from the bare address.
        paths += [
            "/inbox?view=open", "/inbox?view=at-risk&sort=due", "/inbox?view=unassigned", "/search?q=thermostat",
            "/tickets/new?email=someone@example.com",
            "/admin/automations/new?example=pending-reminder", "/tickets/\(number)?compose=note",
            "/help/search?q=password",
        ]
        let pages = Set(paths).sorted().map { path -> [String: String] in
            let who =
                path.hasPrefix("/portal")
                ? "customer"
                : path.hasPrefix("/help") || path.hasPrefix("/sign-in") || path.hasPrefix("/welcome")
                    ? "visitor" : "agent"
            return ["path": path, "who": who]
        }
        return [
            "agent": ["email": DemoWorkspace.adminEmail, "password": "layout check password"],
            "portal_token": portalToken, "pages": pages,
        ]
    }
}
