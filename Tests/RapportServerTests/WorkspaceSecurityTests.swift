import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// Who may see which workspace page, CSRF on every form, sessions, sign-in lockout, and
/// customer-written text that must render as text.
@Suite("Workspace security")
struct WorkspaceSecurityTests {
    /// Every workspace route the application registers (not the API, assets, sign-in or the
    /// welcome page an emailed link opens, whose token is its own secret), with
    /// path parameters filled in.
    static func workspaceRoutes(_ app: Application) -> [(method: HTTPMethod, path: String)] {
        app.routes.all.compactMap { route in
            let parts = route.path.map { component -> String in
                switch component {
                case .constant(let text): text
                case .parameter: "1"
                case .anything, .catchall: "x"
                }
            }
            guard let first = parts.first else { return (route.method, "/") }
            // The help center and the portal are public, with their own tokens (SelfServiceTests).
            guard !["api", "health", "assets", "favicon.ico", "sign-in", "welcome", "help", "portal"].contains(first)
            else { return nil }
            return (route.method, "/" + parts.joined(separator: "/"))
        }
    }

    @Test("every page and form sends a visitor without a session to sign in", arguments: TestDatabase.allCases)
    func unauthenticatedAccess(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.admin()
            let number = try await ctx.ticket(token: token)
            let routes = Self.workspaceRoutes(app)
            #expect(routes.count >= 30, "expected the whole workspace to be registered, found \(routes.count) routes")
            let visitor = WebClient(app: app)
            for route in routes {
                let page =
                    route.method == .GET
                    ? try await visitor.get(route.path)
                    : try await visitor.post(route.path, form: [("body", "x")], csrf: .none)
                #expect(page.status == .seeOther, "\(route.method) \(route.path) answered \(page.status)")
                #expect(
                    page.location?.hasPrefix("/sign-in") == true,
                    "\(route.method) \(route.path) sent the visitor to \(page.location ?? "nowhere")")
                #expect(!page.body.contains("Heating"), "\(route.path) leaked ticket content")
            }
            // Scripts asking for JSON get a 401 instead of a redirect.
            let json = try await visitor.get("/inbox/counts", headers: ["Accept": "application/json"])
            #expect(json.status == .unauthorized)
            // Where they were going is remembered.
            let deep = try await visitor.get("/tickets/\(number)")
            #expect(deep.location == "/sign-in?next=%2Ftickets%2F\(number)")
            // Nothing was changed by any of those posts.
            #expect(try await Message.query(on: app.db).count() == 1)
        }
    }

    @Test(
        "every form is refused without the session's CSRF token or from another origin",
        arguments: TestDatabase.allCases)
    func csrfOnEveryForm(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (adminID, token) = try await ctx.admin()
            let number = try await ctx.ticket(token: token)
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            let browser = WebClient(app: app)
            try await browser.signIn(email: admin.email)
            let posts = Self.workspaceRoutes(app).filter { $0.method == .POST }
            #expect(posts.count >= 15)
            for route in posts {
                let path = route.path.replacingOccurrences(of: "/tickets/1/", with: "/tickets/\(number)/")
                let missing = try await browser.post(
                    path, form: [("body", "Forged"), ("status", "solved"), ("name", "Forged")], csrf: .none)
                #expect(missing.status == .forbidden, "POST \(path) without a token answered \(missing.status)")
                #expect(missing.body.contains("This form has expired or was sent from another site"))
                let wrong = try await browser.post(
                    path, form: [("body", "Forged")], csrf: .value("not-the-token-of-this-session-at-all"))
                #expect(wrong.status == .forbidden, "POST \(path) with a wrong token answered \(wrong.status)")
            }
            // The right token from another site's page is refused too.
            let foreign = try await browser.post(
                "/tickets/\(number)/messages", form: [("body", "Forged")],
                headers: ["Origin": "https://evil.example", "Host": "localhost:8080"])
            #expect(foreign.status == .forbidden)
            #expect(try await Message.query(on: app.db).count() == 1)
            // And with the token, the same form works.
            let reply = try await browser.post(
                "/tickets/\(number)/messages", form: [("body", "A real reply"), ("kind", "reply")])
            #expect(reply.status == .seeOther)
            #expect(try await Message.query(on: app.db).count() == 2)

            // The sign-in form has its own token, tied to a cookie.
            let stranger = WebClient(app: app)
            let forged = try await stranger.post(
                "/sign-in", form: [("email", admin.email), ("password", "correct horse battery")], csrf: .none)
            #expect(forged.status == .forbidden)
            #expect(stranger.cookies[WebSessionAuthenticator.cookieName] == nil)
        }
    }

    @Test("agents who are not admins cannot open or use the admin pages")
    func adminPagesNeedAdmin() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (agentID, _) = try await ctx.agent(name: "Robin Agent")
            let agent = try #require(try await Agent.find(agentID, on: app.db))
            let browser = WebClient(app: app)
            try await browser.signIn(email: agent.email)
            let inbox = try await browser.get("/inbox")
            #expect(!inbox.body.contains("/admin/agents"), "the navigation offers admin pages to an agent")
            for route in Self.workspaceRoutes(app) where route.path.hasPrefix("/admin") {
                let page =
                    route.method == .GET
                    ? try await browser.get(route.path)
                    : try await browser.post(
                        route.path,
                        form: [
                            ("name", "Sneaky"), ("email", "sneaky@desk.example"), ("password", "long enough password"),
                            ("role", "admin"), ("title", "x"),
                        ])
                #expect(page.status == .forbidden, "\(route.method) \(route.path) answered \(page.status) to an agent")
            }
            #expect(try await Agent.query(on: app.db).count() == 1)
        }
    }

    @Test("customer-written text is shown as text on every page that displays it", arguments: TestDatabase.allCases)
    func escapesCustomerText(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (adminID, token) = try await ctx.admin()
            let payload = "<script>alert('subject')</script>"
            let number = try await ctx.ticket(
                token: token, subject: "Help \(payload)",
                body: "I tried <img src=x onerror=alert(1)> and \"quotes\" & <b>bold</b>",
                email: "mallory@example.com", name: "Mallory <svg onload=alert(2)>"
            )
            let customerID = try #require(try await Ticket.find(number, on: app.db)).requesterID
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            let browser = WebClient(app: app)
            try await browser.signIn(email: admin.email)
            for path in [
                "/inbox?view=open", "/tickets/\(number)", "/search?q=tried",
                "/search?q=\(WebClient.encode("<script>"))", "/customers", "/customers/\(customerID)",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path): \(page.status)")
                #expect(!page.body.contains("<script>alert"), "\(path) contains a live script tag")
                #expect(!page.body.contains("<img src=x"), "\(path) contains a live image tag")
                #expect(!page.body.contains("<svg onload"), "\(path) contains a live svg tag")
                #expect(page.headers.first(name: .contentSecurityPolicy)?.contains("script-src 'self'") == true)
            }
            let ticketPage = try await browser.get("/tickets/\(number)")
            #expect(
                ticketPage.body.contains("Help &lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;")
                    || ticketPage.body.contains("Help &lt;script&gt;alert(&apos;subject&apos;)&lt;/script&gt;")
                    || ticketPage.body.contains("Help &lt;script&gt;alert('subject')&lt;/script&gt;"))
            #expect(ticketPage.body.contains("I tried &lt;img src=x onerror=alert(1)&gt;"))
            let search = try await browser.get("/search?q=tried")
            #expect(search.body.contains("<mark>tried</mark>"), "the snippet should keep only Rapport's own markup")
        }
    }

    @Test("sessions: secure cookie flags, sign-out ends the session, deactivation ends it everywhere")
    func sessions() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (adminID, _) = try await ctx.admin()
            let (agentID, _) = try await ctx.agent(name: "Robin Agent")
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            let agent = try #require(try await Agent.find(agentID, on: app.db))

            let browser = WebClient(app: app)
            try await browser.get("/sign-in")
            let signedIn = try await browser.post(
                "/sign-in", form: [("email", admin.email), ("password", "correct horse battery")])
            let cookie = try #require(
                signedIn.headers[.setCookie].first { $0.hasPrefix(WebSessionAuthenticator.cookieName) })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains("Secure"), "plain HTTP on loopback cannot use Secure cookies")
            let token = try #require(browser.cookies[WebSessionAuthenticator.cookieName])
            let stored = try await WebSession.query(on: app.db).all()
            #expect(stored.count == 1)
            #expect(stored.first?.tokenHash != token, "the session token must be stored hashed")

            // Behind a TLS proxy the cookie is Secure.
            let secure = WebClient(app: app)
            secure.extraHeaders.add(name: "X-Forwarded-Proto", value: "https")
            try await secure.get("/sign-in")
            let securePage = try await secure.post(
                "/sign-in", form: [("email", admin.email), ("password", "correct horse battery")])
            #expect(
                securePage.headers[.setCookie].contains {
                    $0.hasPrefix(WebSessionAuthenticator.cookieName) && $0.contains("Secure")
                })

            // Sign-out ends the session on the server, not only in the browser.
            try await browser.get("/inbox")
            try await browser.signOut()
            let replay = WebClient(app: app)
            let afterSignOut = try await replay.get(
                "/inbox", headers: ["Cookie": "\(WebSessionAuthenticator.cookieName)=\(token)"])
            #expect(afterSignOut.status == .seeOther)

            // Deactivating an agent signs them out at once.
            let robin = WebClient(app: app)
            try await robin.signIn(email: agent.email)
            #expect(try await robin.get("/inbox").status == .ok)
            let adminBrowser = WebClient(app: app)
            try await adminBrowser.signIn(email: admin.email)
            try await adminBrowser.get("/admin/agents")
            let deactivated = try await adminBrowser.post("/admin/agents/\(agentID)", form: [("role", "agent")])
            #expect(deactivated.status == .seeOther)
            #expect(try await robin.get("/inbox").status == .seeOther)
            #expect(try await Agent.find(agentID, on: app.db)?.isActive == false)
        }
    }

    @Test("sign-in: a clear message on a wrong password, lockout after five, no open redirect")
    func signInFailures() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (adminID, _) = try await ctx.admin()
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            let browser = WebClient(app: app)
            try await browser.get("/sign-in")
            let wrong = try await browser.post("/sign-in", form: [("email", admin.email), ("password", "wrong")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.contains("That email and password do not match an active account"))
            #expect(wrong.body.contains("value=\"\(admin.email)\""), "the email should stay filled in")
            let unknown = try await browser.post(
                "/sign-in", form: [("email", "nobody@desk.example"), ("password", "wrong")])
            #expect(unknown.status == .unauthorized)
            #expect(
                unknown.body.contains("That email and password do not match an active account"),
                "unknown and known addresses must look the same")

            for _ in 0..<4 {
                try await browser.post("/sign-in", form: [("email", admin.email), ("password", "wrong")])
            }
            let locked = try await browser.post(
                "/sign-in", form: [("email", admin.email), ("password", "correct horse battery")])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.body.contains("Too many wrong passwords"))
            #expect(browser.cookies[WebSessionAuthenticator.cookieName] == nil)

            ctx.clock.advance(by: 16 * 60)
            try await browser.get("/sign-in")
            let open = try await browser.post(
                "/sign-in",
                form: [("email", admin.email), ("password", "correct horse battery"), ("next", "//evil.example/phish")])
            #expect(open.status == .seeOther)
            #expect(open.location == "/inbox")
            try await browser.signOut()
            try await browser.get("/sign-in")
            let next = try await browser.post(
                "/sign-in",
                form: [("email", admin.email), ("password", "correct horse battery"), ("next", "/customers")])
            #expect(next.location == "/customers")
        }
    }

    @Test("the page after sign-in is always on this site, however the address is disguised")
    func signInRedirectStaysOnSite() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (adminID, _) = try await ctx.admin()
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            // Browsers drop tabs, CR and LF in a URL and read a backslash as a slash: each of these would
            // have left for evil.example.
            let disguised = [
                "/\t/evil.example", "/\r/evil.example", "/\n/evil.example", "/\\evil.example", "/ /evil.example",
                "//evil.example", "/\t\t//evil.example/phish", "https://evil.example", "/\u{0B}/evil.example",
            ]
            for next in disguised {
                let browser = WebClient(app: app)
                try await browser.get("/sign-in")
                let answer = try await browser.post(
                    "/sign-in", form: [("email", admin.email), ("password", "correct horse battery"), ("next", next)])
                #expect(
                    answer.location == "/inbox", "next=\(next.debugDescription) led to \(answer.location ?? "nowhere")")
                let again = try await browser.get(
                    "/sign-in?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(again.location == "/inbox", "a signed-in visit with next=\(next.debugDescription)")
                let page = try await WebClient(app: app).get(
                    "/sign-in?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                #expect(!page.body.contains("evil.example"), "the form must not carry \(next.debugDescription) on")
            }
            let browser = WebClient(app: app)
            try await browser.get("/sign-in")
            let local = try await browser.post(
                "/sign-in",
                form: [
                    ("email", admin.email), ("password", "correct horse battery"),
                    ("next", "/search?q=%22printer%22&page=2#results"),
                ])
            #expect(local.location == "/search?q=%22printer%22&page=2#results", "a local address keeps its query")
        }
    }

    @Test("organizations are changed by admins only, on the web as over the API", arguments: TestDatabase.allCases)
    func organizationsAdminOnly(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let admin = try await ctx.admin()
            let agent = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            let acme = try await app.rapport.organizations.create(
                name: "Acme", domain: "acme.example", notes: "", on: app.db)

            let browser = WebClient(app: app)
            try await browser.signIn(email: "robin@desk.example")
            let list = try await browser.get("/organizations")
            #expect(list.status == .ok)
            #expect(!list.body.contains("action=\"/organizations\""), "no add form for an agent")
            let detail = try await browser.get("/organizations/\(acme)")
            #expect(detail.body.contains("acme.example"))
            #expect(!detail.body.contains("action=\"/organizations/\(acme)\""), "no edit form for an agent")
            try await browser.get("/organizations")
            let created = try await browser.post(
                "/organizations", form: [("name", "Evil Corp"), ("domain", "gmail.com")])
            #expect(created.status == .forbidden)
            try await browser.get("/organizations/\(acme)")
            let changed = try await browser.post(
                "/organizations/\(acme)", form: [("name", "Acme"), ("domain", "gmail.com"), ("notes", "")])
            #expect(changed.status == .forbidden)
            #expect(try await Organization.query(on: app.db).count() == 1)
            #expect(try await Organization.find(acme, on: app.db)?.domain == "acme.example")
            let api = try await ctx.api(.POST, "organizations", token: agent.token, json: ["name": "Evil Corp"])
            #expect(api.status == .forbidden)
            #expect((api.object["reason"] as? String)?.contains("Only admins add or change organizations") == true)

            let admins = WebClient(app: app)
            try await admins.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            try await admins.get("/organizations")
            let added = try await admins.post(
                "/organizations", form: [("name", "Globex"), ("domain", "globex.example")])
            #expect(added.status == .seeOther)
        }
    }

    @Test("a session expires after a week without use")
    func sessionExpiry() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (adminID, _) = try await ctx.admin()
            let admin = try #require(try await Agent.find(adminID, on: app.db))
            let browser = WebClient(app: app)
            try await browser.signIn(email: admin.email)
            ctx.clock.advance(by: 6 * 24 * 3600)
            #expect(
                try await browser.get("/inbox").status == .ok,
                "six days later the session is still good, and its use extends it")
            ctx.clock.advance(by: 6 * 24 * 3600)
            #expect(try await browser.get("/inbox").status == .ok)
            ctx.clock.advance(by: 8 * 24 * 3600)
            #expect(try await browser.get("/inbox").status == .seeOther)
            #expect(try await WebSession.query(on: app.db).count() == 0, "an expired session is deleted")
        }
    }
}
