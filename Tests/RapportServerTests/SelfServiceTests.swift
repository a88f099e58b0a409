import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// The knowledge base, help center, contact form and customer portal over HTTP, as customers
/// and agents use them, on both databases.
@Suite("Self-service: knowledge base, help center and portal")
struct SelfServiceTests {
    /// A visitor's browser: keeps cookies and sends the visit token the public forms carry.
    static func visitor(_ app: Application) async throws -> WebClient {
        let browser = WebClient(app: app)
        try await browser.get("/help")
        return browser
    }

    static func visitToken(_ browser: WebClient) -> String { browser.cookies[HelpVisitor.cookieName] ?? "" }

    @discardableResult
    static func article(
        _ app: Application, title: String, body: String, publish: Bool = true, isInternal: Bool = false,
        categoryID: Int? = nil, locale: String = "en"
    ) async throws -> Int {
        let service = app.rapport.knowledgeBase
        let id = try await service.createArticle(
            .init(title: title, body: body, locale: locale, categoryID: categoryID, isInternal: isInternal), by: nil,
            on: app.db)
        if publish { try await service.publish(articleID: id, locale: locale, on: app.db) }
        return id
    }

    @Test(
        "Only published public articles reach the help center; drafts, internal articles and later edits stay with the agents",
        arguments: TestDatabase.allCases)
    func publishing(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            let service = app.rapport.knowledgeBase
            let categoryID = try await service.saveCategory(
                id: nil, .init(name: "Account & sign-in", description: "Passwords and access", position: 1), on: app.db)
            let reset = try await Self.article(
                app, title: "Reset your password",
                body: """
                    # Steps
                    1. Open **Settings**.
                    2. Choose *Reset password* and follow the [guide](https://docs.example.com/reset).

                    <script>alert('x')</script> [bad](javascript:alert(1)) <img src=x onerror=alert(2)>
                    """, categoryID: categoryID)
            try await Self.article(
                app, title: "Two-factor codes", body: "Codes come by text message within a minute.",
                categoryID: categoryID)
            try await Self.article(
                app, title: "Password policy for staff", body: "Internal: staff password rotation every 90 days.",
                isInternal: true)
            try await Self.article(
                app, title: "Password export (draft)", body: "Not ready yet: password export.", publish: false)

            let browser = try await Self.visitor(app)
            let home = try await browser.get("/help")
            #expect(home.body.contains("Account &amp; sign-in"))
            #expect(home.body.contains("Reset your password"))
            #expect(!home.body.contains("Password policy for staff"))
            #expect(!home.body.contains("Password export"))
            #expect(!home.body.contains("More articles"), "no empty section for articles without a category")
            #expect(home.body.contains("All 2 articles"))

            let page = try await browser.get("/help/articles/reset-your-password")
            #expect(page.status == .ok)
            #expect(page.body.contains("<strong>Settings</strong>"))
            #expect(page.body.contains("href=\"https://docs.example.com/reset\" rel=\"nofollow noopener\""))
            #expect(!page.body.contains("<script>alert"), "raw script in an article is shown as text, never run")
            #expect(page.body.contains("&lt;script>alert"))
            #expect(!page.body.contains("javascript:"))
            #expect(!page.body.contains("onerror"))
            #expect(page.body.contains("Two-factor codes"), "related articles of the same category")
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("script-src 'self'") == true)

            for path in ["/help/articles/password-policy-for-staff", "/help/articles/password-export-draft"] {
                #expect(try await browser.get(path).status == .notFound, "\(path) must not be public")
            }
            let search = try await browser.get("/help/search?q=password")
            #expect(
                search.body.contains("Reset your <mark>password</mark>")
                    || search.body.contains("<mark>password</mark>"))
            #expect(!search.body.contains("rotation"))
            #expect(!search.body.contains("Not ready yet"))
            let suggestions = try await browser.get(
                "/help/suggestions?q=forgot%20my%20password", headers: ["Accept": "application/json"])
            #expect(suggestions.body.contains("Reset your password"))
            #expect(!suggestions.body.contains("Password policy"))

            // An edit to a published article waits for "Publish".
            try await service.saveDraft(
                articleID: reset, .init(title: "Reset your password", body: "Brand new steps.", categoryID: categoryID),
                on: app.db)
            #expect(
                try await browser.get("/help/articles/reset-your-password").body.contains("<strong>Settings</strong>"))
            #expect(try await browser.get("/help/search?q=brand").body.contains("No article matches"))
            try await service.publish(articleID: reset, locale: "en", on: app.db)
            #expect(try await browser.get("/help/articles/reset-your-password").body.contains("Brand new steps."))

            // A German version; chosen by ?lang= or the browser's language.
            try await service.saveDraft(
                articleID: reset,
                .init(
                    title: "Passwort zurücksetzen", body: "Öffnen Sie die Einstellungen.", locale: "de",
                    categoryID: categoryID), on: app.db)
            try await service.publish(articleID: reset, locale: "de", on: app.db)
            #expect(
                try await browser.get("/help/articles/reset-your-password?lang=de").body.contains(
                    "Passwort zurücksetzen"))
            #expect(
                try await browser.get(
                    "/help/articles/reset-your-password", headers: ["Accept-Language": "de-DE,de;q=0.9"]
                ).body.contains("Passwort"))
            #expect(try await browser.get("/help/articles/reset-your-password").body.contains("Brand new steps."))

            // Unpublishing takes it away again; making it internal too.
            try await service.unpublish(articleID: reset, locale: "de", on: app.db)
            #expect(!(try await browser.get("/help/articles/reset-your-password?lang=de").body.contains("Passwort")))
            try await service.saveDraft(
                articleID: reset,
                .init(title: "Reset your password", body: "Brand new steps.", categoryID: categoryID, isInternal: true),
                on: app.db)
            #expect(try await browser.get("/help/articles/reset-your-password").status == .notFound)
            #expect(!(try await browser.get("/help/search?q=brand").body.contains("Reset your")))
        }
    }

    @Test(
        "Every public form refuses a post without the visitor's token or from another site",
        arguments: [TestDatabase.sqlite])
    func publicForms(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            try await Self.article(app, title: "Change your plan", body: "Open Billing and choose a plan.")
            let browser = try await Self.visitor(app)
            let posts = app.routes.all.filter { $0.method == .POST }.map { route in
                "/"
                    + route.path.map { component -> String in
                        if case .constant(let value) = component { return value }
                        return route.path.first == .constant("help") ? "change-your-plan" : "1"
                    }.joined(separator: "/")
            }.filter { $0.hasPrefix("/help") || $0.hasPrefix("/portal") }
            #expect(posts.count >= 7)
            for path in posts {
                let missing = try await browser.post(
                    path,
                    form: [("email", "dana@customer.example"), ("subject", "x"), ("message", "x"), ("helpful", "yes")],
                    csrf: .none)
                #expect(
                    missing.status == .forbidden || missing.location == "/portal/sign-in",
                    "POST \(path) without a token answered \(missing.status)")
                let foreign = try await browser.post(
                    path,
                    form: [
                        ("visit", Self.visitToken(browser)), ("email", "dana@customer.example"), ("subject", "x"),
                        ("message", "x"),
                    ],
                    csrf: .none, headers: ["Origin": "https://evil.example", "Host": "localhost:8080"])
                #expect(foreign.status == .forbidden, "POST \(path) from another site answered \(foreign.status)")
            }
            #expect(try await Ticket.query(on: app.db).count() == 0)
            #expect(try await KBArticle.query(on: app.db).first()?.helpfulYes == 0)
        }
    }

    @Test(
        "Was this helpful? counts once per visitor and a few times per address, and a vote without the page's token is refused",
        arguments: TestDatabase.allCases)
    func feedback(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            let id = try await Self.article(app, title: "Change your plan", body: "Open Billing and choose a plan.")
            let browser = try await Self.visitor(app)
            _ = try await browser.get("/help/articles/change-your-plan")
            let vote = try await browser.post(
                "/help/articles/change-your-plan/feedback",
                form: [("helpful", "yes"), ("visit", Self.visitToken(browser))], csrf: .none)
            #expect(vote.status == .seeOther)
            _ = try await browser.post(
                "/help/articles/change-your-plan/feedback",
                form: [("helpful", "yes"), ("visit", Self.visitToken(browser))], csrf: .none)
            let forged = try await browser.post(
                "/help/articles/change-your-plan/feedback",
                form: [("helpful", "no"), ("visit", "made-up-token-123456")], csrf: .none)
            #expect(forged.status == .forbidden)
            let article = try #require(try await KBArticle.find(id, on: app.db))
            #expect(article.helpfulYes == 1)
            #expect(article.helpfulNo == 0)
            #expect(article.views == 1)

            // Throwing the cookie away for a new one each time counts a few times per address, not every time.
            for _ in 0..<10 {
                let fresh = try await Self.visitor(app)
                _ = try await fresh.get("/help/articles/change-your-plan")
                let again = try await fresh.post(
                    "/help/articles/change-your-plan/feedback",
                    form: [("helpful", "no"), ("visit", Self.visitToken(fresh))], csrf: .none)
                #expect(again.status == .seeOther)
            }
            let afterFreshCookies = try #require(try await KBArticle.find(id, on: app.db))
            #expect(afterFreshCookies.helpfulYes + afterFreshCookies.helpfulNo == HelpCenterPages.votesPerAddress)
        }
    }

    @Test(
        "The contact form makes a web ticket; bots filling the honeypot and floods are turned away; opened suggestions count as deflections",
        arguments: TestDatabase.allCases)
    func contactForm(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            let articleID = try await Self.article(
                app, title: "Reset your password", body: "Open Settings, then Reset password.")
            let browser = try await Self.visitor(app)
            let visit = Self.visitToken(browser)

            // A visitor opens a suggestion and leaves: deflected.
            let opened = try await browser.post(
                "/help/suggestions/opened", form: [("visit", visit), ("article_id", String(articleID))], csrf: .none)
            #expect(opened.status == .noContent)
            let since = Date.distantPast
            #expect(try await KnowledgeBasePages.deflections(since: since, on: app.db) == 1)

            let missing = try await browser.post(
                "/help/contact",
                form: [("visit", visit), ("email", "not an address"), ("subject", ""), ("message", "")], csrf: .none)
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.contains("we need it to answer you"))
            #expect(missing.body.contains("value=\"not an address\""), "what was typed is kept")

            let sent = try await browser.post(
                "/help/contact",
                form: [
                    ("visit", visit), ("name", "Dana Reyes"), ("email", "dana@customer.example"),
                    ("subject", "Cannot reset my password"),
                    ("message", "The reset email never arrives."), ("website", ""),
                ], csrf: .none)
            #expect(sent.status == .ok)
            #expect(sent.body.contains("Your request number is"))
            let ticket = try #require(try await Ticket.query(on: app.db).first())
            #expect(ticket.channel == .web)
            #expect(ticket.subject == "Cannot reset my password")
            // The same visitor then sent the form: not a deflection any more.
            #expect(try await KnowledgeBasePages.deflections(since: since, on: app.db) == 0)

            let bot = try await browser.post(
                "/help/contact",
                form: [
                    ("visit", visit), ("email", "bot@spam.example"), ("subject", "Cheap pills"), ("message", "Buy now"),
                    ("website", "http://spam.example"),
                ], csrf: .none)
            #expect(bot.status == .ok, "a bot is thanked like a person")
            #expect(try await Ticket.query(on: app.db).count() == 1, "and nothing is kept")

            let foreign = try await browser.post(
                "/help/contact",
                form: [
                    ("visit", "someone-elses-token-1234"), ("email", "x@example.org"), ("subject", "x"),
                    ("message", "x"),
                ], csrf: .none)
            #expect(foreign.status == .forbidden)

            var statuses: [HTTPResponseStatus] = []
            for index in 0..<6 {
                statuses.append(
                    try await browser.post(
                        "/help/contact",
                        form: [
                            ("visit", visit), ("email", "dana@customer.example"),
                            ("subject", "Another question \(index)"), ("message", "More details."),
                        ], csrf: .none
                    ).status)
            }
            #expect(
                statuses.filter { $0 == .ok }.count == 3,
                "five requests in ten minutes per address, counting the two above")
            #expect(statuses.last == .tooManyRequests)
        }
    }

    @Test(
        "A forged X-Forwarded-For does not get round the contact-form limit, and one address gets few acknowledgements",
        arguments: TestDatabase.allCases)
    func contactFormLimitsHold(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, _ in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let browser = try await Self.visitor(app)
            var statuses: [HTTPResponseStatus] = []
            for index in 0..<8 {
                // Each request claims to come from somewhere else; the first value is the client's own.
                statuses.append(
                    try await browser.post(
                        "/help/contact",
                        form: [
                            ("visit", Self.visitToken(browser)), ("email", "target@victim.example"),
                            ("subject", "Hello \(index)"), ("message", "Please write back."),
                        ], csrf: .none, headers: ["X-Forwarded-For": "198.51.100.\(index + 1)"]
                    ).status)
            }
            #expect(statuses.prefix(5).allSatisfy { $0 == .ok }, "\(statuses)")
            #expect(statuses.dropFirst(5).allSatisfy { $0 == .tooManyRequests }, "\(statuses)")
            #expect(try await Ticket.query(on: app.db).count() == 5, "every accepted request is kept")
            let acknowledgements = try await OutboundMail.query(on: app.db).filter(\.$kind == .acknowledgement).all()
            #expect(acknowledgements.count == 3, "at most three acknowledgements an hour to one address")
        }
    }

    @Test(
        "Sign-in links: same answer for known and unknown addresses, single use, expire after 30 minutes, wrong or replayed tokens fail",
        arguments: TestDatabase.allCases)
    func magicLinks(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, ctx in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let customerID = try await app.rapport.customers.create(
                NewCustomer(name: "Dana Reyes", emails: ["dana@customer.example"]), on: app.db)
            let browser = try await Self.visitor(app)

            let known = try await browser.post(
                "/portal/sign-in", form: [("email", "dana@customer.example"), ("visit", Self.visitToken(browser))],
                csrf: .none)
            let unknown = try await browser.post(
                "/portal/sign-in", form: [("email", "nobody@customer.example"), ("visit", Self.visitToken(browser))],
                csrf: .none)
            #expect(known.status == unknown.status)
            #expect(
                known.body.replacingOccurrences(of: "dana@customer.example", with: "X")
                    == unknown.body.replacingOccurrences(of: "nobody@customer.example", with: "X"))
            #expect(try await OutboundMail.query(on: app.db).filter(\.$kind == .portalLink).count() == 1)

            try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            let mail = try #require(sink.messages().first { $0.subject?.contains("sign-in link") == true })
            #expect(mail.to.first?.address == "dana@customer.example")
            let link = try #require(
                mail.text.split(whereSeparator: \.isWhitespace).first { $0.contains("/portal/auth?token=") }.map(
                    String.init))
            #expect(link.hasPrefix(app.rapport.settings.publicURL))
            let token = String(link.split(separator: "=", maxSplits: 1)[1])

            // Opening the link only shows a button; the token is used by the POST.
            let confirm = try await browser.get("/portal/auth?token=\(token)")
            #expect(confirm.body.contains("Continue"))
            let signedIn = try await browser.post(
                "/portal/auth", form: [("token", token), ("visit", Self.visitToken(browser))], csrf: .none)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.location == "/portal/requests")
            #expect(try await browser.get("/portal/requests").body.contains("My requests"))

            // Replayed: refused.
            let replay = WebClient(app: app)
            _ = try await replay.get("/help")
            let again = try await replay.post(
                "/portal/auth", form: [("token", token), ("visit", Self.visitToken(replay))], csrf: .none)
            #expect(again.status == .unauthorized)
            #expect(again.body.contains("expired or was already used"))
            #expect(try await replay.get("/portal/requests").location == "/portal/sign-in")

            // Wrong: refused the same way.
            let wrong = try await replay.post(
                "/portal/auth",
                form: [("token", "rpl_" + String(repeating: "A", count: 43)), ("visit", Self.visitToken(replay))],
                csrf: .none)
            #expect(wrong.status == .unauthorized)

            // Expired: a fresh link, used 31 minutes later.
            _ = try await app.rapport.portalAuth.requestLink(
                email: "dana@customer.example", portalURL: "http://127.0.0.1:1", on: app.db)
            let raw = try #require(
                try await OutboundMail.query(on: app.db).filter(\.$kind == .portalLink).sort(\.$id, .descending).first()
            ).raw
            let second = try #require(
                raw.components(separatedBy: "token=").dropFirst().first?.prefix {
                    $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-"
                })
            ctx.clock.advance(by: 31 * 60)
            #expect(try await app.rapport.portalAuth.redeem(String(second), on: app.db) == nil)

            // At most five links an hour for one address.
            for _ in 0..<8 {
                try await app.rapport.portalAuth.requestLink(
                    email: "DANA@customer.example", portalURL: "http://x", on: app.db)
            }
            let recent = try await PortalSignInToken.query(on: app.db).filter(\.$customerID == customerID)
                .filter(\.$createdAt > ctx.clock.now().addingTimeInterval(-3600)).count()
            #expect(recent == PortalAuthService.linksPerHour)
        }
    }

    /// Signs a customer in to the portal by a link made directly.
    static func portalSession(_ app: Application, email: String) async throws -> WebClient {
        let row = try #require(
            try await CustomerEmail.query(on: app.db).filter(\.$normalized == email.lowercased()).first())
        let token = PortalAuthService.tokenPrefix + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let link = PortalSignInToken()
        link.digest = ApiTokenService.digest(token)
        link.customerID = row.customerID
        link.expiresAt = app.rapport.clock.now().addingTimeInterval(600)
        link.createdAt = app.rapport.clock.now()
        try await link.create(on: app.db)
        let browser = try await visitor(app)
        let page = try await browser.post(
            "/portal/auth", form: [("token", token), ("visit", visitToken(browser))], csrf: .none)
        guard page.status == .seeOther else { throw RapportMessageError("portal sign-in failed: \(page.status)") }
        return browser
    }

    @Test(
        "A customer sees only their own requests (or their organization's as its manager), never an internal note, on any page",
        arguments: TestDatabase.allCases)
    func portalAuthorization(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let agent = try await ctx.agent(name: "Sam Agent", email: "sam@desk.example")
            let orgID = try await app.rapport.organizations.create(name: "Acme", domain: nil, notes: "", on: app.db)
            func ticket(_ email: String, _ subject: String) async throws -> Int {
                try await app.rapport.tickets.create(
                    NewTicket(
                        subject: subject, requester: .email(email, name: nil),
                        firstMessage: NewMessage(kind: .reply, author: .customer, body: "Hello, \(subject)."),
                        channel: .web),
                    by: .system, on: app.db)
            }
            let own = try await ticket("ana@acme.example", "Ana's printer")
            let colleague = try await ticket("bo@acme.example", "Bo's laptop")
            let stranger = try await ticket("cy@other.example", "Cy's invoice")
            for number in [own, colleague, stranger] {
                _ = try await app.rapport.tickets.addMessage(
                    NewMessage(kind: .note, author: .agent, body: "SECRET-NOTE-\(number) customer is difficult"),
                    toTicket: number, by: .agent(id: agent.id), on: app.db)
                _ = try await app.rapport.tickets.addMessage(
                    NewMessage(kind: .reply, author: .agent, body: "PUBLIC-REPLY-\(number)"),
                    toTicket: number, by: .agent(id: agent.id), on: app.db)
            }
            try await Self.article(
                app, title: "Draft about printers", body: "DRAFT-ARTICLE-TEXT printer", publish: false)
            try await Self.article(
                app, title: "Internal printer notes", body: "INTERNAL-ARTICLE-TEXT printer", isInternal: true)
            let ana = try await Self.portalSession(app, email: "ana@acme.example")
            /// A portal form, sent with the token of Ana's own request page.
            func post(_ path: String, _ fields: [(String, String)]) async throws -> WebClient.Page {
                _ = try await ana.get("/portal/requests/\(own)")
                return try await ana.post(path, form: fields)
            }
            let list = try await ana.get("/portal/requests")
            #expect(list.body.contains("Ana&#39;s printer") || list.body.contains("Ana's printer"))
            #expect(!list.body.contains("laptop"))
            #expect(!list.body.contains("invoice"))
            let mine = try await ana.get("/portal/requests/\(own)")
            #expect(mine.body.contains("PUBLIC-REPLY-\(own)"))
            #expect(!mine.body.contains("SECRET-NOTE"))
            for other in [colleague, stranger, 999_999] {
                let page = try await ana.get("/portal/requests/\(other)")
                #expect(page.status == .notFound, "request \(other)")
                #expect(!page.body.contains("PUBLIC-REPLY-\(other)"))
                let replied = try await post("/portal/requests/\(other)/replies", [("body", "let me in")])
                #expect(replied.status == .notFound)
                let solved = try await post("/portal/requests/\(other)/solve", [])
                #expect(solved.status == .notFound)
            }
            #expect(try await Message.query(on: app.db).filter(\.$body == "let me in").count() == 0)

            // Every page and API route, with every id or slug filled in: nothing leaks a note, another
            // customer's request, a draft or an internal article; agent pages turn Ana away.
            let secrets = [
                "SECRET-NOTE", "PUBLIC-REPLY-\(stranger)", "PUBLIC-REPLY-\(colleague)", "DRAFT-ARTICLE-TEXT",
                "INTERNAL-ARTICLE-TEXT",
            ]
            for route in app.routes.all where route.method == .GET {
                for filler in [String(stranger), String(colleague), "draft-about-printers", "internal-printer-notes"] {
                    let path =
                        "/"
                        + route.path.map { component -> String in
                            if case .constant(let value) = component { return value }
                            return filler
                        }.joined(separator: "/")
                    for query in ["", "?q=printer", "?q=DRAFT%20ARTICLE%20TEXT", "?q=INTERNAL%20ARTICLE"] {
                        let page = try await ana.get(path + query)
                        for secret in secrets {
                            #expect(!page.body.contains(secret), "GET \(path + query) shows \(secret)")
                        }
                        let isPublic =
                            path.hasPrefix("/help") || path.hasPrefix("/portal") || path.hasPrefix("/assets")
                            || ["/sign-in", "/welcome", "/", "/health", "/favicon.ico", "/api/v1/openapi.json"]
                                .contains(path)
                        if !isPublic {
                            #expect(
                                [.seeOther, .found, .unauthorized, .forbidden, .notFound].contains(page.status),
                                "GET \(path) answered \(page.status)")
                        }
                    }
                }
            }

            // Ana replies and marks her request solved.
            let reply = try await post("/portal/requests/\(own)/replies", [("body", "Thanks, it prints again.")])
            #expect(reply.status == .seeOther)
            let stored = try #require(
                try await Message.query(on: app.db).filter(\.$ticketID == own).sort(\.$id, .descending).first())
            #expect(stored.authorKind == .customer)
            #expect(stored.body == "Thanks, it prints again.")
            let noToken = try await ana.post("/portal/requests/\(own)/solve", form: [], csrf: .none)
            #expect(noToken.status == .forbidden)
            _ = try await post("/portal/requests/\(own)/solve", [])
            #expect(try await Ticket.find(own, on: app.db)?.status == .solved)

            // As her organization's manager, Ana also sees Bo's request, still without notes; never Cy's.
            let customer = try #require(
                try await Customer.find(try await Ticket.find(own, on: app.db)?.requesterID, on: app.db))
            customer.organizationID = orgID
            customer.isOrgManager = true
            try await customer.update(on: app.db)
            if let bo = try await Customer.find(try await Ticket.find(colleague, on: app.db)?.requesterID, on: app.db) {
                bo.organizationID = orgID
                try await bo.update(on: app.db)
            }
            let managed = try await ana.get("/portal/requests")
            #expect(managed.body.contains("laptop"))
            #expect(!managed.body.contains("invoice"))
            let boPage = try await ana.get("/portal/requests/\(colleague)")
            #expect(boPage.status == .ok)
            #expect(boPage.body.contains("PUBLIC-REPLY-\(colleague)"))
            #expect(!boPage.body.contains("SECRET-NOTE"))
            #expect(try await ana.get("/portal/requests/\(stranger)").status == .notFound)
        }
    }

    @Test(
        "Agents write, preview and publish articles, start one from a reply, and see suggestions in the composer",
        arguments: [TestDatabase.sqlite])
    func agentEditor(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let agent = try await ctx.agent(name: "Sam Agent", email: "sam@desk.example")
            let number = try await app.rapport.tickets.create(
                NewTicket(
                    subject: "Cannot reset my password", requester: .email("dana@customer.example", name: "Dana"),
                    firstMessage: NewMessage(kind: .reply, author: .customer, body: "The reset email never arrives."),
                    channel: .web),
                by: .system, on: app.db)
            let replyID = try await app.rapport.tickets.addMessage(
                NewMessage(
                    kind: .reply, author: .agent, body: "Check your spam folder for the reset email, then try again."),
                toTicket: number, by: .agent(id: agent.id), on: app.db)
            let browser = WebClient(app: app)
            try await browser.signIn(email: "sam@desk.example")
            let ticketPage = try await browser.get("/tickets/\(number)")
            #expect(ticketPage.body.contains("/kb/new?from_message=\(replyID)"))
            #expect(!ticketPage.body.contains("Articles that may help"), "no panel while no article matches")

            let draft = try await browser.get("/kb/new?from_message=\(replyID)")
            #expect(draft.body.contains("value=\"Cannot reset my password\""))
            #expect(draft.body.contains("Check your spam folder"))

            let preview = try await browser.post(
                "/kb",
                form: [
                    ("title", "Reset emails"), ("body", "Look in **spam** first."), ("locale", "en"),
                    ("intent", "preview"),
                ])
            #expect(preview.body.contains("<strong>spam</strong>"))
            #expect(try await KBArticle.query(on: app.db).count() == 0, "a preview saves nothing")

            let bad = try await browser.post(
                "/kb", form: [("title", ""), ("body", ""), ("locale", "english!"), ("intent", "save")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("is not a language code"))

            let created = try await browser.post(
                "/kb",
                form: [
                    ("title", "Password reset email did not arrive"),
                    ("body", "Look in **spam** first, then ask for a new reset email."),
                    ("locale", "en"), ("intent", "publish"),
                ])
            #expect(created.status == .seeOther)
            let help = try await Self.visitor(app)
            #expect(try await help.get("/help/articles/password-reset-email-did-not-arrive").status == .ok)

            let suggested = try await browser.get("/tickets/\(number)")
            #expect(suggested.body.contains("Articles that may help"))
            #expect(
                suggested.body.contains(
                    "data-insert-link=\"\(app.rapport.settings.publicURL)/help/articles/password-reset-email-did-not-arrive\""
                ))

            let list = try await browser.get("/kb")
            #expect(list.body.contains("Password reset email did not arrive"))
            #expect(list.body.contains("Published"))
        }
    }
}
