import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// No stolen session or token outlives its owner's password: a password change by anyone ends
/// every other session and token of the agent, an agent's own change needs the current
/// password, reactivation revives nothing, and tokens can expire and show when they were used.
@Suite("Sessions and tokens end with the password")
struct CredentialTests {
    static let password = "correct horse battery"

    /// Whether a token still opens the API.
    static func works(_ token: String, _ ctx: TestContext) async throws -> Bool {
        let status = try await ctx.api(.GET, "me", token: token).status
        #expect(status == .ok || status == .unauthorized, "unexpected \(status)")
        return status == .ok
    }

    static func signedIn(_ browser: WebClient) async throws -> Bool {
        try await browser.get("/inbox").status == .ok
    }

    static func newToken(_ ctx: TestContext, email: String, password: String = password, extra: [String: Any] = [:])
        async throws -> String
    {
        var body: [String: Any] = ["email": email, "password": password]
        body.merge(extra) { _, new in new }
        let issued = try await ctx.api(.POST, "auth/tokens", token: nil, json: body)
        guard issued.status == .created, let token = issued.object["token"] as? String else {
            throw RapportMessageError("no token: \(issued.status) \(issued.text)")
        }
        return token
    }

    @Test(
        "an admin's password reset ends the agent's tokens and sessions, by the API and by the link",
        arguments: TestDatabase.allCases)
    func adminReset(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let admin = try await ctx.admin()
            let robin = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            let browser = WebClient(app: app)
            try await browser.signIn(email: "robin@desk.example")
            #expect(try await Self.works(robin.token, ctx))

            let reset = try await ctx.api(
                .PATCH, "agents/\(robin.id)", token: admin.token, json: ["password": "a brand new secret 1"])
            #expect(reset.status == .ok, "\(reset.text)")
            #expect(!(try await Self.works(robin.token, ctx)), "the old token must stop working")
            #expect(!(try await Self.signedIn(browser)), "the old session must end")
            #expect(try await Self.works(admin.token, ctx), "the admin's own token is untouched")

            // The emailed reset link does the same.
            let fresh = try await Self.newToken(ctx, email: "robin@desk.example", password: "a brand new secret 1")
            try await browser.signIn(email: "robin@desk.example", password: "a brand new secret 1")
            let link = try await app.rapport.agentAccess.issueLink(
                for: robin.id, purpose: .reset, publicURL: "http://localhost", on: app.db)
            let secret = try #require(link.url.split(separator: "=").last.map(String.init))
            _ = try await app.rapport.agentAccess.redeem(
                secret, password: "another new secret 2", confirmation: "another new secret 2", on: app.db)
            #expect(!(try await Self.works(fresh, ctx)), "a reset by link ends the tokens too")
            #expect(!(try await Self.signedIn(browser)))
        }
    }

    @Test(
        "changing one's own password needs the current one and keeps only what it was done with",
        arguments: TestDatabase.allCases)
    func ownChange(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let robin = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            let other = try await Self.newToken(ctx, email: "robin@desk.example")
            let browser = WebClient(app: app)
            try await browser.signIn(email: "robin@desk.example")

            let stolen = try await ctx.api(
                .PATCH, "agents/\(robin.id)", token: robin.token, json: ["password": "taken over by a thief"])
            #expect(stolen.status == .unprocessableEntity)
            #expect(stolen.fields["current_password"]?.contains("required") == true, "\(stolen.text)")
            let wrong = try await ctx.api(
                .PATCH, "agents/\(robin.id)", token: robin.token,
                json: ["password": "taken over by a thief", "current_password": "a guess"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.fields["current_password"] == "is not your current password")
            #expect(try await Self.works(other, ctx), "a refused change ends nothing")
            #expect(try await Self.signedIn(browser))
            let agent = try #require(try await Agent.find(robin.id, on: app.db))
            #expect(try await app.rapport.agents.passwords.verify(Self.password, against: agent.passwordHash))

            let changed = try await ctx.api(
                .PATCH, "agents/\(robin.id)", token: robin.token,
                json: ["password": "my own new secret", "current_password": Self.password])
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try await Self.works(robin.token, ctx), "the token the change was made with stays")
            #expect(!(try await Self.works(other, ctx)), "every other token ends")
            #expect(!(try await Self.signedIn(browser)), "every session ends")

            // On the web: the profile page's change keeps that session and ends the tokens.
            try await browser.signIn(email: "robin@desk.example", password: "my own new secret")
            let elsewhere = WebClient(app: app)
            try await elsewhere.signIn(email: "robin@desk.example", password: "my own new secret")
            try await browser.get("/profile")
            let page = try await browser.post(
                "/profile/password",
                form: [
                    ("current_password", "my own new secret"), ("new_password", "changed on the web"),
                    ("password_confirmation", "changed on the web"),
                ])
            #expect(page.status == .seeOther, "\(page.body.prefix(300))")
            #expect(try await Self.signedIn(browser))
            #expect(!(try await Self.signedIn(elsewhere)))
            #expect(!(try await Self.works(robin.token, ctx)), "a change on the web ends the API tokens")
        }
    }

    @Test("a deactivated agent's tokens do not come back when they are reactivated", arguments: TestDatabase.allCases)
    func reactivation(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let admin = try await ctx.admin()
            let robin = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            let off = try await ctx.api(.PATCH, "agents/\(robin.id)", token: admin.token, json: ["is_active": false])
            #expect(off.status == .ok)
            #expect(!(try await Self.works(robin.token, ctx)))
            let on = try await ctx.api(.PATCH, "agents/\(robin.id)", token: admin.token, json: ["is_active": true])
            #expect(on.status == .ok)
            #expect(!(try await Self.works(robin.token, ctx)), "reactivation must not revive the old token")
            #expect(try await ApiToken.query(on: app.db).filter(\.$agentID == robin.id).count() == 0)
            // A rename changes no credential.
            let fresh = try await Self.newToken(ctx, email: "robin@desk.example")
            _ = try await ctx.api(.PATCH, "agents/\(robin.id)", token: admin.token, json: ["name": "Robin A."])
            #expect(try await Self.works(fresh, ctx))
        }
    }

    @Test("a token can expire, and the agent sees when each token was last used", arguments: TestDatabase.allCases)
    func expiryAndLastUse(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let robin = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            let refused = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: ["email": "robin@desk.example", "password": Self.password, "expires_in_days": 0])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.fields["expires_in_days"] != nil)

            let issued = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: [
                    "email": "robin@desk.example", "password": Self.password, "expires_in_days": 1, "name": "CI job",
                ])
            #expect(issued.status == .created)
            let shortLived = try #require(issued.object["token"] as? String)
            #expect(issued.object["expires_at"] is String)
            #expect(try await Self.works(shortLived, ctx))

            let listed = try await ctx.api(.GET, "auth/tokens", token: robin.token)
            #expect(listed.status == .ok)
            #expect(listed.array.count == 2)
            let mine = try #require(listed.array.first { $0["current"] as? Bool == true })
            #expect(mine["last_used_at"] is String, "the token this request used was just used")
            let job = try #require(listed.array.first { $0["name"] as? String == "CI job" })
            #expect(job["expires_at"] is String)
            #expect(job["last_used_at"] is String)

            ctx.clock.advance(by: 25 * 3600)
            #expect(!(try await Self.works(shortLived, ctx)), "a day later the token no longer works")
            #expect(try await Self.works(robin.token, ctx), "a token without expiry lasts")

            // Revoking one's own token by id; another agent's token is not one's to revoke.
            let sam = try await ctx.agent(name: "Sam Agent")
            let samsTokenID = try #require(
                try await ApiToken.query(on: app.db).filter(\.$agentID == sam.id).first()?.id)
            #expect(try await ctx.api(.DELETE, "auth/tokens/\(samsTokenID)", token: robin.token).status == .notFound)
            #expect(try await Self.works(sam.token, ctx))
            let jobID = try #require(job["id"] as? Int)
            #expect(try await ctx.api(.DELETE, "auth/tokens/\(jobID)", token: robin.token).status == .noContent)
            #expect(try await ApiToken.find(jobID, on: app.db) == nil)
        }
    }

    @Test(
        "the sign-in lockout is kept in the database, so other instances and a restart see it",
        arguments: TestDatabase.allCases)
    func lockoutIsShared(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            _ = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            for _ in 0..<SignInGuard.failuresPerAccount {
                let wrong = try await ctx.api(
                    .POST, "auth/tokens", token: nil, json: ["email": "robin@desk.example", "password": "a guess"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await ctx.api(
                .POST, "auth/tokens", token: nil, json: ["email": "Robin@Desk.example", "password": Self.password])
            #expect(locked.status == .tooManyRequests, "the right password does not help while locked")
            #expect(locked.headers.first(name: .retryAfter) == "900")
            // Another instance (or this one after a restart) has its own guard and the same answer.
            let elsewhere = SignInGuard(clock: ctx.clock, limits: SharedRateLimiter(clock: ctx.clock))
            let refusal = try await elsewhere.refusal(email: "robin@desk.example", client: "203.0.113.5", on: app.db)
            guard case .accountLocked = refusal else {
                Issue.record("another instance should see the lockout, it saw \(String(describing: refusal))")
                return
            }
            ctx.clock.advance(by: 16 * 60)
            #expect(try await Self.newToken(ctx, email: "robin@desk.example").hasPrefix("rpt_"))
        }
    }

    @Test(
        "one client guessing at many addresses is stopped before any password is checked",
        arguments: TestDatabase.allCases)
    func perClientLimit(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            _ = try await ctx.agent(name: "Robin Agent", email: "robin@desk.example")
            for index in 0..<SignInGuard.failuresPerClient {
                let guess = try await ctx.api(
                    .POST, "auth/tokens", token: nil, json: ["email": "nobody\(index)@desk.example", "password": "x"])
                #expect(guess.status == .unauthorized)
            }
            let blocked = try await ctx.api(
                .POST, "auth/tokens", token: nil, json: ["email": "robin@desk.example", "password": Self.password])
            #expect(blocked.status == .tooManyRequests)
            #expect((blocked.object["reason"] as? String)?.contains("from your network") == true, "\(blocked.text)")
            let browser = WebClient(app: app)
            try await browser.get("/sign-in")
            let page = try await browser.post(
                "/sign-in", form: [("email", "robin@desk.example"), ("password", Self.password)])
            #expect(page.status == .tooManyRequests, "the sign-in page counts the same attempts")
            #expect(page.body.contains("Too many failed sign-ins from your network"))
            ctx.clock.advance(by: 16 * 60)
            #expect(try await Self.newToken(ctx, email: "robin@desk.example").hasPrefix("rpt_"))
        }
    }
}
