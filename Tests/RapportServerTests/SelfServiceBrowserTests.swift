import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The self-service flow in a real headless Chromium: help center, contact form, the agent's
/// answer, and the portal reached by the sign-in link read from an SMTP sink. The script is
/// Tests/BrowserTests/self_service_flow.py; this test prepares the data, serves it on loopback,
/// sends queued mail while the script runs, and checks what the clicks stored.
@Suite("Self-service in a browser")
struct SelfServiceBrowserTests {
    @Test(
        "a customer finds an article, writes in, and reads the agent's answer in the portal after signing in by link",
        arguments: TestDatabase.allCases)
    func selfServiceFlow(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, ctx in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            _ = try await ctx.agent(name: "Sam Agent", email: "sam@desk.example")
            let service = app.rapport.knowledgeBase
            let category = try await service.saveCategory(
                id: nil, .init(name: "Account", description: "Signing in and passwords", position: 1), on: app.db)
            let articleID = try await service.createArticle(
                .init(
                    title: "Reset your password",
                    body: "1. Open **Settings**.\n2. Choose *Reset password*; the email arrives within minutes.",
                    categoryID: category), by: nil, on: app.db)
            try await service.publish(articleID: articleID, locale: "en", on: app.db)

            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else {
                throw RapportMessageError("the test server has no port")
            }
            // The server's worker is off in tests: send what the pages queue, as it would.
            let sender = app.rapport.outboxSender(logger: app.logger)
            let mailer = Task {
                while !Task.isCancelled {
                    _ = try? await sender.sendDue(on: app.db)
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            let artifacts = BrowserTests.artifactDirectory(for: database) + "-self-service"
            let script = BrowserTests.packageRoot.appendingPathComponent("Tests/BrowserTests/self_service_flow.py").path
            let output: String
            do {
                output = try await BrowserSlot.shared.run(
                    "/usr/bin/timeout",
                    [
                        "300", "/usr/bin/env", "python3", script, "http://127.0.0.1:\(port)", "sam@desk.example",
                        BrowserTests.password, sink.directory, artifacts,
                    ])
            } catch {
                mailer.cancel()
                await app.server.shutdown()
                Issue.record(
                    "the self-service browser flow failed; screenshots are in \(artifacts)\n\(String(describing: error).suffix(4_000))"
                )
                return
            }
            mailer.cancel()
            await app.server.shutdown()
            #expect(output.contains("self-service flow passed"), "\(output.suffix(2_000))")

            let ticket = try #require(try await Ticket.query(on: app.db).first())
            #expect(ticket.channel == .web)
            let messages = try await Message.query(on: app.db).filter(\.$ticketID == ticket.requireID).sort(\.$id).all()
            #expect(messages.map(\.authorKind) == [.customer, .agent, .customer])
            #expect(messages.last?.body == "Thank you, it arrived and I am back in.")
            #expect(try await KBArticle.find(articleID, on: app.db)?.helpfulYes == 1)
            #expect(try await PortalSignInToken.query(on: app.db).filter(\.$usedAt != nil).count() == 1)
        }
    }
}
