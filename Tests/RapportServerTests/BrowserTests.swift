import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The agent workspace in a real headless Chromium (Debian's chromium and chromium-driver,
/// driven by Selenium from PyPI; `.ci/run` installs them). The script in Tests/BrowserTests
/// clicks through sign-in, inbox, ticket, reply, note, properties, macro, search and sign-out;
/// this test prepares the data, serves it on loopback and checks what the clicks stored.
@Suite("Workspace in a browser")
struct BrowserTests {
    static let password = "correct horse battery"

    @Test("an agent signs in, works a ticket end to end and signs out", arguments: TestDatabase.allCases)
    func workspaceFlow(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let fixture = try await Self.prepare(app)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else {
                throw RapportMessageError("the test server has no port")
            }
            let artifacts = Self.artifactDirectory(for: database)
            let output: String
            do {
                output = try await BrowserSlot.shared.run(
                    "/usr/bin/timeout",
                    [
                        "300", "/usr/bin/env", "python3", Self.scriptPath, "http://127.0.0.1:\(port)",
                        fixture.adminEmail, Self.password, artifacts,
                    ])
            } catch {
                await app.server.shutdown()
                let text = String(describing: error)
                if text.contains("No module named 'selenium'")
                    || text.contains("chromedriver") && text.contains("No such file")
                {
                    Issue.record(
                        "Selenium or Chromium is missing: apt install chromium chromium-driver; pip install selenium (bash .ci/run does)"
                    )
                }
                Issue.record("the browser flow failed; screenshots are in \(artifacts)\n\(text.suffix(4_000))")
                return
            }
            await app.server.shutdown()
            #expect(output.contains("browser flow passed"), "\(output.suffix(2_000))")

            // What the clicks left in the database.
            let ticket = try #require(try await Ticket.find(fixture.ticketNumber, on: app.db))
            #expect(ticket.status == .pending)
            #expect(ticket.assigneeID == fixture.secondAgentID)
            #expect(ticket.priority == .high, "the side panel's priority went with the reply")
            let messages = try await Message.query(on: app.db).filter(\.$ticketID == fixture.ticketNumber).sort(\.$id)
                .all()
            #expect(
                messages.contains {
                    $0.kind == .reply && $0.authorAgentID == fixture.adminID
                        && $0.body.contains("reset your thermostat remotely")
                })
            #expect(messages.contains { $0.kind == .note && $0.body.contains("firmware 2.1") })
            let coached = try #require(
                messages.first { $0.body.contains("Let me find that out for you when the engineer can come") })
            #expect(
                coached.coachScore == 100,
                "the suggestion was applied, so the reply went out with nothing left to improve")
            #expect(
                messages.contains {
                    $0.kind == .reply && $0.body.hasPrefix("Hi Pat,") && $0.body.contains("#\(fixture.ticketNumber)")
                })
            let tags = try await TicketTag.query(on: app.db).filter(\.$ticketID == fixture.ticketNumber).all().map(
                \.tag)
            #expect(tags.contains("refund"))
            _ = ctx
        }
    }

    struct Fixture {
        let adminID: Int
        let adminEmail: String
        let secondAgentID: Int
        let ticketNumber: Int
    }

    static func prepare(_ app: Application) async throws -> Fixture {
        let services = app.rapport
        let adminEmail = "alex.admin@desk.example"
        let adminID = try await services.agents.create(
            NewAgent(name: "Alex Admin", email: adminEmail, role: .admin, password: password), on: app.db)
        let samID = try await services.agents.create(
            NewAgent(name: "Sam Support", email: "sam@desk.example", password: password), on: app.db)
        let team = try await services.teams.create(name: "Tier 1", description: "First line", on: app.db)
        try await services.teams.addMember(agentID: adminID, toTeam: team, on: app.db)
        _ = try await services.macros.create(
            MacroInput(
                title: "Refund on its way",
                body:
                    "Hi {{customer.first_name}},\n\nyour refund for ticket #{{ticket.number}} is on its way.\n\n{{agent.first_name}}",
                setStatus: .pending, addTags: "refund"
            ), on: app.db)
        for index in 1...3 {
            _ = try await services.tickets.create(
                NewTicket(
                    subject: "Invoice question \(index)",
                    requester: .email("lee\(index)@example.org", name: "Lee Example"),
                    firstMessage: NewMessage(
                        kind: .reply, author: .customer, body: "Could you send invoice \(index) again?"),
                    channel: .email
                ), by: .system, on: app.db)
        }
        let number = try await services.tickets.create(
            NewTicket(
                subject: "Heating will not turn on",
                requester: .email("pat.customer@example.com", name: "Pat Customer"),
                firstMessage: NewMessage(
                    kind: .reply, author: .customer, body: "Hello, my thermostat shows an error E4 since this morning."),
                channel: .email
            ), by: .system, on: app.db)
        return Fixture(adminID: adminID, adminEmail: adminEmail, secondAgentID: samID, ticketNumber: number)
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var scriptPath: String { packageRoot.appendingPathComponent("Tests/BrowserTests/workspace_flow.py").path }

    /// Where a failed run leaves its screenshots: `RAPPORT_BROWSER_ARTIFACTS`, or
    /// `.build/browser-artifacts/<database>` in the package.
    static func artifactDirectory(for database: TestDatabase) -> String {
        let base =
            ProcessInfo.processInfo.environment["RAPPORT_BROWSER_ARTIFACTS"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.appendingPathComponent(".build/browser-artifacts")
        return base.appendingPathComponent(database.rawValue).path
    }
}

/// One browser flow at a time: the suites run in parallel, and several headless Chromium
/// sessions at once on two cores starved the timing-sensitive tests running beside them.
actor BrowserSlot {
    static let shared = BrowserSlot()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs the flow's script (as `Subprocess.runDetached`) once no other flow is running.
    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await Subprocess.runDetached(executable, arguments)
    }
}
