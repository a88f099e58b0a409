import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

#if canImport(Glibc)
    import Glibc
#endif

/// Kills a real `rapport serve` in the middle of a mail transfer (a slow relay in front of the
/// mail server makes the middle last long enough) and restarts it: nothing is lost, nothing
/// arrives twice.
@Suite("Email survives a crash mid-transfer", .serialized)
struct MailCrashTests {
    static func startServer(dataDirectory: URL) throws -> BackgroundProcess {
        try BackgroundProcess(
            try TestHarness.rapportExecutable,
            ["serve", "--port", String(try freeLoopbackPort()), "--data-dir", dataDirectory.path],
            environment: [
                "RAPPORT_MAIL_OUTBOX_SECONDS": "0.2", "RAPPORT_MAIL_POLL_SECONDS": "0.5",
                "RAPPORT_MAIL_LEASE_SECONDS": "3", "RAPPORT_BCRYPT_COST": "4",
            ])
    }

    @Test("killed while sending a reply over SMTP: after restart the customer gets it exactly once")
    func killedDuringSMTPSend() async throws {
        let sink = try TestSMTPSink()
        let proxy = try ThrottleProxy(upstream: sink.port, bytesPerSecond: 25_000)
        try await withApp(.sqlite) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: proxy.port)
            let agent = try await context.agent()
            let number = try await context.ticket(token: agent.token, email: "ada@example.org")
            let longAnswer = (1...1500).map {
                "Step \($0): check the cable, the switch and the light, then write down what you see."
            }.joined(separator: "\n")
            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: agent.token, json: ["kind": "reply", "body": longAnswer])
            #expect(try await OutboundMail.query(on: app.db).count() == 1)

            let first = try Self.startServer(dataDirectory: context.directory)
            try await eventually("the reply to be half sent", within: 60) { proxy.relayed.up > 40_000 }
            first.stop(SIGKILL)
            proxy.dropConnections()
            try await Task.sleep(for: .milliseconds(500))
            #expect(sink.messages().isEmpty, "a message cut off before its final dot is not delivered")

            let second = try Self.startServer(dataDirectory: context.directory)
            try await eventually("the reply to arrive after the restart", within: 90) { sink.messages().count == 1 }
            try await Task.sleep(for: .seconds(2))
            second.stop()
            let log = second.log
            #expect(sink.messages().count == 1)
            #expect(sink.messages().first?.text.contains("Step 1500:") == true)
            let row = try #require(try await OutboundMail.query(on: app.db).first())
            #expect(row.status == .sent, "\(row.lastError ?? "") \(log.suffix(3000))")
            #expect(row.attempts == 2)
        }
    }

    @Test("killed while fetching over IMAP: after restart the message is one ticket and marked seen")
    func killedDuringIMAPFetch() async throws {
        let dovecot = try TestDovecot()
        let proxy = try ThrottleProxy(upstream: dovecot.port, bytesPerSecond: 40_000)
        try await withApp(.sqlite) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: dovecot, smtpPort: nil, imapPort: proxy.port)
            let body = (1...3000).map { "Line \($0) of the log the customer pasted into the message." }.joined(
                separator: "\n")
            try dovecot.deliver(
                MailIntegrationTests.customerMail(
                    messageID: "big.log@example.org", subject: "Crash log attached", body: body))

            let first = try Self.startServer(dataDirectory: context.directory)
            try await eventually("the fetch to be under way", within: 60) { proxy.relayed.down > 60_000 }
            first.stop(SIGKILL)
            proxy.dropConnections()
            #expect(try await Ticket.query(on: app.db).count() == 0)
            #expect(dovecot.flags().unseen == 1, "the message stays unseen until it is stored")

            let second = try Self.startServer(dataDirectory: context.directory)
            try await eventually("the message to be stored and flagged after the restart", within: 90) {
                try await Ticket.query(on: app.db).count() == 1 && dovecot.flags().seen == 1
            }
            try await Task.sleep(for: .seconds(2))
            second.stop()
            #expect(try await Ticket.query(on: app.db).count() == 1)
            #expect(try await Message.query(on: app.db).filter(\.$emailMessageID == "big.log@example.org").count() == 1)
            let stored = try #require(
                try await Message.query(on: app.db).filter(\.$emailMessageID == "big.log@example.org").first())
            #expect(stored.body.hasSuffix("Line 3000 of the log the customer pasted into the message."))
        }
    }
}
