import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// Logging a phone call: the agent's notes stay with the team, a caller may have only a number,
/// and a caller who already has an open ticket is pointed to it.
@Suite("Logging a phone call", .serialized)
struct DayOneCallTests {
    static func callForm(_ fields: [(String, String)]) -> [(String, String)] {
        [
            ("subject", "Boiler makes a noise"),
            ("body", "Caller says the boiler bangs at night. Told her we would send someone."),
            ("channel", "phone"), ("priority", "normal"), ("status", "open"),
        ] + fields
    }

    @Test(
        "the call notes are an internal note, or the caller's words, and nothing is emailed to the caller",
        arguments: TestDatabase.allCases)
    func nothingEmailed(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            _ = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            try await web.get("/tickets/new")
            let noted = try await web.post(
                "/tickets/new",
                form: Self.callForm([("requester_email", "ines@example.org"), ("requester_name", "Ines Ortega")]))
            let first = try #require(
                noted.location.flatMap { Int($0.split(separator: "/").last?.split(separator: "?").first ?? "") })
            let messages = try await Message.query(on: app.db).filter(\.$ticketID == first).all()
            #expect(messages.count == 1)
            #expect(
                messages.first?.kind == .note && messages.first?.authorKind == .agent,
                "the agent's call notes are an internal note")

            try await web.get("/tickets/new")
            let words = try await web.post(
                "/tickets/new",
                form: Self.callForm([("requester_email", "olu@example.org"), ("record_as", "customer")]))
            let second = try #require(
                words.location.flatMap { Int($0.split(separator: "/").last?.split(separator: "?").first ?? "") })
            let theirs = try #require(try await Message.query(on: app.db).filter(\.$ticketID == second).first())
            #expect(theirs.kind == .reply && theirs.authorKind == .customer, "kept as the caller's own words")
            #expect(
                try await Ticket.find(second, on: app.db)?.awaitingReplySince != nil, "and the team owes them an answer"
            )

            #expect(try await OutboundMail.query(on: app.db).count() == 0, "nothing is queued to the callers")
            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            #expect(sink.messages().isEmpty)
        }
    }

    @Test(
        "a caller with only a number is recognised by it on the next call, and their open ticket is pointed out",
        arguments: TestDatabase.allCases)
    func phoneOnlyCaller(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            _ = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            try await web.get("/tickets/new")
            let created = try await web.post(
                "/tickets/new",
                form: Self.callForm([("requester_phone", "+44 20 7946 0958"), ("requester_name", "Ines Ortega")]))
            #expect(created.status == .seeOther, "\(created.body.prefix(300))")
            let number = try #require(
                created.location.flatMap { Int($0.split(separator: "/").last?.split(separator: "?").first ?? "") })
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            let caller = try #require(try await Customer.find(ticket.requesterID, on: app.db))
            #expect(caller.name == "Ines Ortega")
            #expect(caller.phone == "+44 20 7946 0958")
            #expect(
                try await CustomerEmail.query(on: app.db).filter(\.$customerID == ticket.requesterID).count() == 0,
                "no email address was needed")

            // She calls again; the number is written another way.
            try await web.get("/tickets/new")
            let again = Self.callForm([("requester_phone", "0044 (20) 7946-0958")])
            let warned = try await web.post("/tickets/new", form: again)
            #expect(warned.status == .ok)
            #expect(warned.body.contains("Ines Ortega already has an open ticket"))
            #expect(
                warned.body.contains("Add the call to &num;\(number)")
                    || warned.body.contains("Add the call to #\(number)"))
            #expect(try await Ticket.query(on: app.db).count() == 1, "nothing was created while the agent decides")
            #expect(
                warned.body.contains("value=\"0044 (20) 7946-0958\""),
                "the caller's number is still in the form, so 'Create a new ticket anyway' works")

            let added = try await web.post("/tickets/new", form: again + [("append_to", String(number))])
            #expect(added.location?.hasPrefix("/tickets/\(number)") == true)
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == number).count() == 2)
            #expect(try await Ticket.query(on: app.db).count() == 1)

            try await web.get("/tickets/new")
            let anyway = try await web.post(
                "/tickets/new",
                form: Self.callForm([
                    ("requester_phone", "+44 (0)20 7946 0958".replacingOccurrences(of: "(0)", with: "")),
                    ("confirm", "new"),
                ]))
            let other = try #require(
                anyway.location.flatMap { Int($0.split(separator: "/").last?.split(separator: "?").first ?? "") })
            #expect(other != number)
            #expect(try await Ticket.find(other, on: app.db)?.requesterID == ticket.requesterID, "the same caller")

            try await web.get("/tickets/new")
            let nobody = try await web.post("/tickets/new", form: Self.callForm([("requester_name", "Someone")]))
            #expect(nobody.status == .unprocessableEntity)
            #expect(nobody.body.contains("phone number"))
            let garbage = try await web.post(
                "/tickets/new", form: Self.callForm([("requester_phone", "call me maybe")]))
            #expect(garbage.status == .unprocessableEntity)
            #expect(garbage.body.contains("is not a phone number"))
        }
    }

    @Test(
        "phone numbers compare however they are written",
        arguments: [
            ("+44 20 7946 0958", "+442079460958"), ("0044 (20) 7946-0958", "+442079460958"),
            ("(555) 010-4477", "5550104477"),
            ("555.010.4477 ext. 12", "5550104477"), ("+44 (0)20 7946 0958", "+442079460958"),
            ("0044 (0)20 7946-0958", "+442079460958"),
        ])
    func normalizing(raw: String, expected: String) {
        #expect(PhoneNumber.normalized(raw) == expected)
    }

    @Test("not phone numbers", arguments: ["", "call me", "12", "+", "12345678901234567890"])
    func notNumbers(raw: String) {
        #expect(PhoneNumber.normalized(raw) == nil)
    }
}
