import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The live workspace in two real headless Chromium sessions side by side: presence on the inbox
/// row and the ticket, "is writing a reply", a customer message, a colleague's note and a field
/// change appearing without a reload (one tab over the WebSocket, one over Server-Sent Events),
/// the inbox gaining a row and its count, and an avatar going when its tab closes. The script is
/// Tests/BrowserTests/live_flow.py; this test prepares the desk and checks what the clicks stored.
@Suite("Live workspace in a browser")
struct LiveBrowserTests {
    @Test(
        "two agents on one ticket see each other, and every change reaches the other without a reload",
        arguments: TestDatabase.allCases)
    func liveFlow(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let services = app.rapport
            let adminEmail = "alex.admin@desk.example"
            let admin = try await ctx.agent(name: "Alex Admin", email: adminEmail, role: .admin)
            _ = try await ctx.agent(name: "Sam Support", email: "sam@desk.example")
            let number = try await services.tickets.create(
                NewTicket(
                    subject: "Heating will not turn on",
                    requester: .email("pat.customer@example.com", name: "Pat Customer"),
                    firstMessage: NewMessage(
                        kind: .reply, author: .customer,
                        body: "Hello, my thermostat shows an error E4 since this morning."),
                    channel: .email
                ), by: .system, on: app.db)

            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else {
                throw RapportMessageError("the test server has no port")
            }
            let artifacts = BrowserTests.artifactDirectory(for: database) + "-live"
            let script = BrowserTests.packageRoot.appendingPathComponent("Tests/BrowserTests/live_flow.py").path
            let output: String
            do {
                output = try await BrowserSlot.shared.run(
                    "/usr/bin/timeout",
                    [
                        "300", "/usr/bin/env", "python3", script, "http://127.0.0.1:\(port)", adminEmail,
                        "sam@desk.example", BrowserTests.password, admin.token, String(number), artifacts,
                    ])
            } catch {
                await app.server.shutdown()
                Issue.record(
                    "the live browser flow failed; screenshots are in \(artifacts)\n\(String(describing: error).suffix(4_000))"
                )
                return
            }
            await app.server.shutdown()
            #expect(output.contains("live flow passed"), "\(output.suffix(2_000))")

            let messages = try await Message.query(on: app.db).filter(\.$ticketID == number).all()
            #expect(messages.contains { $0.kind == .note && $0.body.contains("boiler firmware has a known fault") })
            #expect(
                !messages.contains { $0.body.contains("Let me check that for you") },
                "Sam's draft was never sent")
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.priority == .urgent)
        }
    }
}
