import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// Notifications that matter: a ticket assigned to you, your customer's reply; one entry and
/// one email per ticket's minute; read one by one or all; a full link in every email.
@Suite("Notifications that matter", .serialized)
struct DayOneNotificationTests {
    @Test(
        "an agent hears of a ticket assigned to them (not one they took) and of their customer's reply, as they chose",
        arguments: TestDatabase.allCases)
    func assignedAndReplied(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let admin = try await context.admin()
            let sam = try await context.agent(name: "Sam Support", email: "sam@desk.example")
            let number = try await context.ticket(
                token: admin.token, subject: "Heating broken", email: "pat@example.com")
            _ = try await context.api(.PATCH, "tickets/\(number)", token: admin.token, json: ["assignee_id": sam.id])
            let assigned = try await AgentNotification.query(on: app.db).filter(\.$agentID == sam.id).all()
            #expect(assigned.map(\.kind) == ["assigned"])
            #expect(assigned.first?.text == "Ticket #\(number) “Heating broken” was assigned to you by Alex Admin.")

            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: admin.token,
                json: ["kind": "reply", "author": "customer", "body": "It is still cold in here."])
            let replied = try await AgentNotification.query(on: app.db).filter(\.$agentID == sam.id).filter(
                \.$kind == "customer_replied"
            ).all()
            #expect(
                replied.first?.text.contains(
                    "Pat Customer replied on ticket #\(number) “Heating broken”: “It is still cold in here.”") == true)

            // Taking a ticket oneself tells nobody.
            let other = try await context.ticket(token: sam.token, subject: "Printer")
            _ = try await context.api(.PATCH, "tickets/\(other)", token: sam.token, json: ["assignee_id": sam.id])
            #expect(try await AgentNotification.query(on: app.db).filter(\.$ticketID == other).count() == 0)

            // Emails follow the defaults: assignments yes, replies no; each with the full link.
            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            let mails = sink.messages().filter { $0.to.first?.address == "sam@desk.example" }
            #expect(mails.count == 1)
            #expect(mails.first?.subject == "Assigned to you: Heating broken [#\(number)]")
            #expect(mails.first?.text.contains("\(app.rapport.settings.publicURL)/tickets/\(number)") == true)

            // Sam wants replies by email too, and no assignment notices at all.
            let web = WebClient(app: app)
            try await web.signIn(email: "sam@desk.example")
            try await web.get("/profile")
            _ = try await web.post(
                "/profile/notifications",
                form: [
                    ("replied_in_app", "true"), ("replied_email", "true"), ("sla_in_app", "true"),
                    ("sla_email", "true"),
                ])
            let third = try await context.ticket(token: admin.token, subject: "Boiler", email: "kim@example.com")
            _ = try await context.api(.PATCH, "tickets/\(third)", token: admin.token, json: ["assignee_id": sam.id])
            #expect(try await AgentNotification.query(on: app.db).filter(\.$ticketID == third).count() == 0)
            _ = try await context.api(
                .POST, "tickets/\(third)/messages", token: admin.token,
                json: ["kind": "reply", "author": "customer", "body": "Any news?"])
            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            #expect(
                sink.messages().contains { $0.subject?.hasPrefix("Pat Customer replied: Boiler") == true },
                "replies now come by email too")
        }
    }

    @Test(
        "events about one ticket in one minute are one entry and one email; entries are read one by one or all at once",
        arguments: TestDatabase.allCases)
    func mergedAndRead(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let sam = try await context.agent(name: "Sam Support", email: "sam@desk.example")
            let first = try await context.ticket(token: sam.token, subject: "Invoice wrong")
            let second = try await context.ticket(token: sam.token, subject: "Card declined")
            let service = app.rapport.notifications
            try await app.db.write { tx in
                try await service.notify(
                    [sam.id], kind: .slaEscalation, ticketID: first,
                    text: "Ticket #\(first) is at risk: its first response is due at 13:00.",
                    emailSubject: "At risk: first response", in: tx)
            }
            context.clock.advance(by: 20)
            try await app.db.write { tx in
                try await service.notify(
                    [sam.id], kind: .slaEscalation, ticketID: first,
                    text: "Ticket #\(first) is at risk: its resolution is due tomorrow.",
                    emailSubject: "At risk: resolution", in: tx)
                try await service.notify(
                    [sam.id], kind: .slaBreach, ticketID: second,
                    text: "Ticket #\(second) missed its first response target.", in: tx)
            }
            #expect(try await service.unreadCount(agentID: sam.id, on: app.db) == 2, "one per ticket")
            let web = WebClient(app: app)
            try await web.signIn(email: "sam@desk.example")
            let page = try await web.get("/notifications")
            #expect(page.body.components(separatedBy: "data-notification=").count - 1 == 2)
            #expect(page.body.contains("its first response is due at 13:00"))
            #expect(page.body.contains("its resolution is due tomorrow"))

            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            let about = sink.messages().filter { $0.subject?.contains("[#\(first)]") == true }
            #expect(about.count == 1, "one email for the ticket's minute")
            #expect(about.first?.subject == "Ticket #\(first): 2 updates [#\(first)]")
            #expect(
                about.first?.text.contains("first response is due at 13:00") == true
                    && about.first?.text.contains("resolution is due tomorrow") == true)

            let entry = try #require(
                try await AgentNotification.query(on: app.db).filter(\.$ticketID == first).sort(\.$id, .descending)
                    .first())
            _ = try await web.post("/notifications/\(try entry.requireID)/read")
            #expect(try await service.unreadCount(agentID: sam.id, on: app.db) == 1)
            #expect(
                try await AgentNotification.query(on: app.db).filter(\.$ticketID == first).filter(\.$readAt == nil)
                    .count() == 0, "the whole entry")
            let lee = try await context.agent(name: "Lee Other", email: "lee@desk.example")
            let intruder = WebClient(app: app)
            try await intruder.signIn(email: "lee@desk.example")
            try await intruder.get("/notifications")
            let secondEntry = try #require(
                try await AgentNotification.query(on: app.db).filter(\.$ticketID == second).first())
            #expect(try await intruder.post("/notifications/\(try secondEntry.requireID)/read").status == .notFound)
            _ = lee
            try await web.get("/notifications")
            _ = try await web.post("/notifications/read")
            #expect(try await service.unreadCount(agentID: sam.id, on: app.db) == 0)
        }
    }

    @Test("opening a ticket reads what told the agent about it")
    func openingReads() async throws {
        try await withApp(.sqlite) { app, context in
            let admin = try await context.admin()
            let sam = try await context.agent(name: "Sam Support", email: "sam@desk.example")
            let number = try await context.ticket(token: admin.token)
            _ = try await context.api(.PATCH, "tickets/\(number)", token: admin.token, json: ["assignee_id": sam.id])
            let web = WebClient(app: app)
            try await web.signIn(email: "sam@desk.example")
            let notification = try #require(try await AgentNotification.query(on: app.db).first())
            let open = try await web.get("/notifications/\(try notification.requireID)/open")
            #expect(open.location == "/tickets/\(number)")
            #expect(try await AgentNotification.find(try notification.requireID, on: app.db)?.readAt != nil)
        }
    }
}
