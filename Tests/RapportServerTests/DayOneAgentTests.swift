import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// Agents manage themselves: invitations they accept by choosing a password, a profile with a
/// password change, macros of their own, and deactivation that hands over open tickets.
@Suite("Agents manage themselves", .serialized)
struct DayOneAgentTests {
    static func link(in text: String) -> String? {
        text.firstMatch(of: /\/welcome\?token=(rinv_[A-Za-z0-9_-]+)/).map { String($0.1) }
    }

    @Test(
        "an invitation is emailed with a link; the link sets the password once and signs the agent in",
        arguments: TestDatabase.allCases)
    func invitation(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let admin = try await context.admin()
            let web = WebClient(app: app)
            try await web.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            try await web.get("/admin/agents")
            let invited = try await web.post(
                "/admin/agents", form: [("name", "Jo New"), ("email", "jo@desk.example"), ("role", "agent")])
            #expect(invited.location == "/admin/agents?notice=agent-invited")
            #expect(
                try await web.get("/admin/agents").body.contains("Invited"), "the list shows who has not accepted yet")
            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            let mail = try #require(sink.messages().last)
            #expect(mail.to.first?.address == "jo@desk.example")
            #expect(
                mail.text.contains(app.rapport.settings.publicURL + "/welcome?token="),
                "a full link, with the public address")
            let token = try #require(Self.link(in: mail.text))

            let jo = WebClient(app: app)
            let page = try await jo.get("/welcome?token=\(token)")
            #expect(page.body.contains("Welcome, Jo New"))
            let mismatch = try await jo.post(
                "/welcome",
                form: [
                    ("token", token), ("password", "a long enough password"),
                    ("password_confirmation", "another one entirely"),
                ], csrf: .none)
            #expect(mismatch.status == .unprocessableEntity)
            #expect(mismatch.body.contains("does not match"))
            let chosen = try await jo.post(
                "/welcome",
                form: [
                    ("token", token), ("password", "a long enough password"),
                    ("password_confirmation", "a long enough password"),
                ], csrf: .none)
            #expect(chosen.location == "/inbox?notice=password-chosen")
            #expect(try await jo.get("/inbox").status == .ok, "signed in")
            let again = WebClient(app: app)
            let reused = try await again.post(
                "/welcome",
                form: [
                    ("token", token), ("password", "a takeover password"),
                    ("password_confirmation", "a takeover password"),
                ], csrf: .none)
            #expect(reused.status == .gone, "a link works once")
            try await again.signIn(email: "jo@desk.example", password: "a long enough password")
        }
    }

    @Test(
        "the profile changes name, signature and notifications; a password change needs the current one and ends other sessions"
    )
    func profile() async throws {
        try await withApp(.sqlite) { app, context in
            let me = try await context.agent(name: "Sam Support", email: "sam@desk.example")
            let web = WebClient(app: app)
            try await web.signIn(email: "sam@desk.example")
            let other = WebClient(app: app)
            try await other.signIn(email: "sam@desk.example")
            try await web.get("/profile")
            let saved = try await web.post(
                "/profile", form: [("name", "Sam Okafor"), ("signature", "Sam · Support team")])
            #expect(saved.location == "/profile?notice=profile-saved")
            let agent = try #require(try await Agent.find(me.id, on: app.db))
            #expect(agent.name == "Sam Okafor" && agent.signature == "Sam · Support team")

            try await web.get("/profile")
            _ = try await web.post(
                "/profile/notifications",
                form: [
                    ("assigned_in_app", "true"), ("replied_in_app", "true"), ("replied_email", "true"),
                    ("sla_in_app", "true"),
                ])
            let preferences = try #require(try await Agent.find(me.id, on: app.db)).notificationPreferences
            #expect(preferences.assigned == .init(inApp: true, email: false))
            #expect(preferences.customerReplied == .init(inApp: true, email: true))

            try await web.get("/profile")
            let wrong = try await web.post(
                "/profile/password",
                form: [
                    ("current_password", "not it at all"), ("new_password", "a brand new password"),
                    ("password_confirmation", "a brand new password"),
                ])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.contains("is not your current password"))
            let changed = try await web.post(
                "/profile/password",
                form: [
                    ("current_password", "correct horse battery"), ("new_password", "a brand new password"),
                    ("password_confirmation", "a brand new password"),
                ])
            #expect(changed.location == "/profile?notice=password-changed")
            #expect(try await web.get("/inbox").status == .ok, "this session stays")
            #expect(try await other.get("/inbox").location?.hasPrefix("/sign-in") == true, "the other session ended")
            let fresh = WebClient(app: app)
            try await fresh.signIn(email: "sam@desk.example", password: "a brand new password")
        }
    }

    @Test(
        "agents keep macros of their own beside the shared ones; nobody else sees or uses them",
        arguments: TestDatabase.allCases)
    func personalMacros(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let sam = try await context.agent(name: "Sam Support", email: "sam@desk.example")
            _ = try await context.agent(name: "Lee Other", email: "lee@desk.example")
            let number = try await context.ticket(token: sam.token)
            let shared = try await app.rapport.macros.create(
                MacroInput(title: "Thanks", body: "Thank you!"), on: app.db)
            let web = WebClient(app: app)
            try await web.signIn(email: "sam@desk.example")
            try await web.get("/macros/new")
            let created = try await web.post(
                "/macros", form: [("title", "Thanks"), ("body", "Cheers, {{customer.first_name}}!")])
            #expect(
                created.location == "/macros?notice=macro-saved", "a title the shared macros use is fine for one's own")
            let mine = try #require(try await Macro.query(on: app.db).filter(\.$ownerAgentID == sam.id).first())
            #expect(try await web.get("/macros").body.contains("Cheers, {{customer.first_name}}!"))
            #expect(
                !(try await web.get("/macros").body.contains("Thank you!")),
                "the shared ones are not in the list of one's own")
            let ticket = try await web.get("/tickets/\(number)")
            #expect(ticket.body.contains("<optgroup label=\"Yours\">"))
            #expect(ticket.body.contains("value=\"\(try mine.requireID)\""))
            #expect(ticket.body.contains("value=\"\(shared)\""))
            #expect(
                try await web.get("/admin/macros").status == .forbidden, "plain agents do not manage the shared macros")

            let lee = WebClient(app: app)
            try await lee.signIn(email: "lee@desk.example")
            #expect(
                !(try await lee.get("/tickets/\(number)").body.contains("<optgroup label=\"Yours\">")),
                "Sam's macros are not offered to Lee")
            #expect(try await lee.get("/macros/\(try mine.requireID)").status == .notFound)
            #expect(
                try await lee.get(
                    "/tickets/\(number)/macros/\(try mine.requireID)", headers: ["Accept": "application/json"]
                ).status == .notFound)
            try await lee.get("/macros")
            #expect(try await lee.post("/macros/\(try mine.requireID)/delete").status == .notFound)
            #expect(try await Macro.find(try mine.requireID, on: app.db) != nil)
        }
    }

    @Test(
        "deactivating an agent asks what becomes of their open tickets, then hands them over or unassigns them",
        arguments: TestDatabase.allCases)
    func deactivation(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let admin = try await context.admin()
            let jo = try await context.agent(name: "Jo Leaving")
            let kim = try await context.agent(name: "Kim Staying")
            var tickets: [Int] = []
            for index in 0..<3 {
                let number = try await context.ticket(token: admin.token, subject: "Ticket \(index)")
                _ = try await context.api(.PATCH, "tickets/\(number)", token: admin.token, json: ["assignee_id": jo.id])
                tickets.append(number)
            }
            _ = try await context.api(.PATCH, "tickets/\(tickets[2])", token: admin.token, json: ["status": "solved"])
            let web = WebClient(app: app)
            try await web.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            try await web.get("/admin/agents")
            let asked = try await web.post("/admin/agents/\(jo.id)", form: [("role", "agent")])
            #expect(asked.status == .ok)
            #expect(asked.body.contains("2 open tickets"))
            #expect(
                try await Agent.find(jo.id, on: app.db)?.isActive == true, "nothing happens before the admin decides")
            let done = try await web.post(
                "/admin/agents/\(jo.id)",
                form: [("role", "agent"), ("open_tickets", "reassign"), ("reassign_to", String(kim.id))])
            #expect(done.location == "/admin/agents?notice=agent-saved")
            #expect(try await Agent.find(jo.id, on: app.db)?.isActive == false)
            for number in tickets.prefix(2) { #expect(try await Ticket.find(number, on: app.db)?.assigneeID == kim.id) }
            #expect(
                try await Ticket.find(tickets[2], on: app.db)?.assigneeID == jo.id,
                "a solved ticket keeps who solved it")

            let lee = try await context.agent(name: "Lee Leaving")
            let number = try await context.ticket(token: admin.token, subject: "Lee's ticket")
            _ = try await context.api(.PATCH, "tickets/\(number)", token: admin.token, json: ["assignee_id": lee.id])
            try await web.get("/admin/agents")
            _ = try await web.post("/admin/agents/\(lee.id)", form: [("role", "agent"), ("open_tickets", "unassign")])
            #expect(try await Ticket.find(number, on: app.db)?.assigneeID == nil)
            #expect(try await Agent.find(lee.id, on: app.db)?.isActive == false)
        }
    }
}
