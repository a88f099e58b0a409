import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The ticket page as a team uses it: the side panel and the composer are one piece of work.
@Suite("Ticket page: the panel and the composer together")
struct DayOneTicketPageTests {
    static func signedIn(_ app: Application, _ context: TestContext) async throws -> (
        web: WebClient, number: Int, agentID: Int
    ) {
        let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
        let number = try await context.ticket(token: agent.token)
        let web = WebClient(app: app)
        try await web.signIn(email: "grace@desk.example")
        try await web.get("/tickets/\(number)")
        return (web, number, agent.id)
    }

    static func panel(
        priority: String = "normal", tags: String = "", originalPriority: String = "normal", originalTags: String = ""
    ) -> [(String, String)] {
        [
            ("ticket_status", "new"), ("original_status", "new"), ("ticket_priority", priority),
            ("original_priority", originalPriority),
            ("ticket_assignee", "none"), ("original_assignee", "none"), ("ticket_team", "none"),
            ("original_team", "none"),
            ("ticket_tags", tags), ("original_tags", originalTags),
        ]
    }

    @Test(
        "changing priority and tags, then pressing Send, applies both with the reply", arguments: TestDatabase.allCases)
    func sendAppliesPanel(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let (web, number, _) = try await Self.signedIn(app, context)
            let sent = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [("kind", "reply"), ("body", "Hello Pat, I am on it."), ("status", "")]
                    + Self.panel(priority: "high", tags: "vip heating"),
                files: [])
            #expect(sent.status == .seeOther)
            #expect(sent.location?.contains("notice=reply-sent-updated") == true)
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.priority == .high)
            let tags = try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag).sorted()
            #expect(tags == ["heating", "vip"])
            #expect(
                try await Message.query(on: app.db).filter(\.$ticketID == number).filter(\.$kind == .reply).filter(
                    \.$authorKind == .agent
                ).count() == 1)
        }
    }

    @Test("a field the agent left alone is not put back when a colleague changed it meanwhile")
    func untouchedFieldsStay() async throws {
        try await withApp(.sqlite) { app, context in
            let (web, number, _) = try await Self.signedIn(app, context)
            // A colleague raises the priority and tags the ticket after the page was loaded.
            let colleague = try await context.agent(name: "Sam Support")
            _ = try await context.api(
                .PATCH, "tickets/\(number)", token: colleague.token,
                json: ["priority": "urgent", "add_tags": ["outage"]])
            _ = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [("kind", "note"), ("body", "Checked the logs.")] + Self.panel(tags: "logs"), files: [])
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.priority == .urgent, "the page still showed normal, but the agent did not change it")
            let tags = try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag).sorted()
            #expect(tags == ["logs", "outage"], "only the tag the agent added is added; the colleague's stays")
        }
    }

    @Test("a refused send keeps the draft and shows the panel's unsaved changes; Update ticket keeps a draft")
    func nothingIsLost() async throws {
        try await withApp(.sqlite) { app, context in
            let (web, number, _) = try await Self.signedIn(app, context)
            let refused = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [
                    ("kind", "reply"), ("body", String(repeating: "x", count: TicketLimits.bodyMaximumLength + 1)),
                ]
                    + Self.panel(priority: "high"), files: [])
            #expect(refused.status == .unprocessableEntity)
            #expect(
                refused.body.contains("<option value=\"high\" selected>"), "the panel still shows the agent's choice")
            #expect(
                refused.body.contains("data-panel-pending >") || refused.body.contains("data-panel-pending>"),
                "and says it is not saved")
            #expect(try await Ticket.find(number, on: app.db)?.priority == .normal)

            try await web.get("/tickets/\(number)")
            let updated = try await web.post(
                "/tickets/\(number)/properties",
                form: [("kind", "reply"), ("body", "Half-written answer")] + Self.panel(priority: "low"))
            #expect(updated.status == .ok)
            #expect(updated.body.contains("Half-written answer"), "the draft is still in the composer")
            #expect(updated.body.contains("Your draft is still in the composer"))
            #expect(try await Ticket.find(number, on: app.db)?.priority == .low)
        }
    }

    @Test("the macro says which fields it will change; the note composer does not speak to the customer")
    func macroAndNoteWording() async throws {
        try await withApp(.sqlite) { app, context in
            let (web, number, _) = try await Self.signedIn(app, context)
            let macro = try await app.rapport.macros.create(
                MacroInput(
                    title: "Refund on its way", body: "Hi {{customer.first_name}}, your refund is on its way.",
                    setStatus: .pending, setPriority: .low, addTags: "refund"), on: app.db)
            let applied = try await web.get(
                "/tickets/\(number)/macros/\(macro)", headers: ["Accept": "application/json"])
            #expect(
                applied.body.contains(
                    "when you send, it sets the status to Pending, sets the priority to Low and adds the tag refund"),
                "\(applied.body)")
            let withMacro = try await web.get("/tickets/\(number)?macro=\(macro)")
            #expect(withMacro.body.contains("when you send, it sets the status to Pending"))
            let note = try await web.get("/tickets/\(number)?compose=note")
            #expect(note.body.contains(" placeholder=\"Write a note for your team"))
            #expect(!note.body.contains(" placeholder=\"Write to Pat"))
        }
    }
}
