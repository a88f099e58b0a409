import AsyncKit
import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// Many first messages at once from the same new addresses: every one is stored, none is
/// refused (a refusal makes the MTA bounce the mail), and each address becomes one customer.
@Suite("Inbound mail under concurrency")
struct InboundConcurrencyTests {
    @Test(
        "four Cc'd people answering a ticket twelve times each, all at once: 48 messages, 4 new customers, no refusal",
        arguments: TestDatabase.allCases)
    func concurrentFirstMessages(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: 1)
            let inbound = app.rapport.inboundMail
            let people = (1...4).map { "colleague\($0)@partner.example" }
            let opening = MailIntegrationTests.customerMail(
                messageID: "open.1@example.org", body: "Hello, the printer is on fire."
            )
            .replacingOccurrences(
                of: "Cc: Charles Babbage <charles@example.org>", with: "Cc: " + people.joined(separator: ", "))
            let first = try await inbound.receive(Array(opening.utf8), on: app.db)
            let number = try #require(first.ticketID)
            let agent = try await context.agent()
            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: agent.token,
                json: ["kind": "reply", "body": "We are on it."])
            let replyID = try #require(
                try await OutboundMail.query(on: app.db).filter(\.$kind == .reply).first()?.emailMessageID)
            let customersBefore = try await Customer.query(on: app.db).count()

            let results = try await withThrowingTaskGroup(of: InboundResult.self) { group in
                for (index, person) in people.enumerated() {
                    for round in 0..<12 {
                        let raw = [
                            "From: Colleague \(index + 1) <\(person)>", "To: \(MailIntegrationTests.support)",
                            "Subject: Re: The printer is on fire [#\(number)]",
                            "Message-ID: <answer.\(index).\(round)@partner.example>", "In-Reply-To: <\(replyID)>",
                            "References: <\(replyID)>",
                            "Date: Tue, 01 Dec 2026 10:00:00 +0000", "", "Answer \(round) from colleague \(index + 1).",
                        ].joined(separator: "\r\n")
                        group.addTask { try await inbound.receive(Array(raw.utf8), on: app.db) }
                    }
                }
                var all: [InboundResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            #expect(results.count == 48)
            #expect(
                results.allSatisfy { $0.outcome == .appended && $0.ticketID == number },
                "\(results.filter { $0.outcome != .appended })")
            #expect(
                try await Message.query(on: app.db).filter(\.$ticketID == number).filter(\.$authorKind == .customer)
                    .count() == 49)
            #expect(try await Customer.query(on: app.db).count() == customersBefore + 4, "one customer per address")
            for person in people {
                #expect(try await CustomerEmail.query(on: app.db).filter(\.$normalized == person).count() == 1)
            }
        }
    }

    @Test("writers queued on a locked ticket leave connections for everyone else (PostgreSQL)")
    func queuedWritersLeaveConnectionsForReads() async throws {
        try await withApp(.postgres) { app, _ in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: 1)
            let inbound = app.rapport.inboundMail
            let opening = MailIntegrationTests.customerMail(
                messageID: "locked.1@example.org", body: "Hello, the scanner jams.")
            let number = try #require(try await inbound.receive(Array(opening.utf8), on: app.db).ticketID)

            // Another instance holds the ticket's row lock (a transaction outside this process's
            // write gate) while a dozen answers to the ticket arrive here.
            let release = AsyncStream<Void>.makeStream()
            let locked = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await app.db.transaction { tx in
                    _ = try await tx.sql.raw("SELECT id FROM tickets WHERE id = \(bind: number) FOR UPDATE").all()
                    locked.continuation.yield()
                    for await _ in release.stream { break }
                }
            }
            for await _ in locked.stream { break }
            let writers = Task {
                try await withThrowingTaskGroup(of: InboundResult.self) { group in
                    for round in 0..<12 {
                        let raw = [
                            "From: Ada Lovelace <ada@example.org>", "To: \(MailIntegrationTests.support)",
                            "Subject: Re: The scanner jams [#\(number)]", "Message-ID: <jam.\(round)@example.org>",
                            "In-Reply-To: <locked.1@example.org>", "Date: Tue, 01 Dec 2026 10:00:00 +0000", "",
                            "Still jammed (\(round)).",
                        ].joined(separator: "\r\n")
                        group.addTask { try await inbound.receive(Array(raw.utf8), on: app.db) }
                    }
                    var all: [InboundResult] = []
                    for try await result in group { all.append(result) }
                    return all
                }
            }
            // Wait until the writers stand on the lock, then read as an agent's page would: it is
            // answered now, not after the pool's timeout.
            var waitingOnLock = 0
            for _ in 0..<200 where waitingOnLock < 2 {
                try await Task.sleep(for: .milliseconds(25))
                waitingOnLock =
                    try await app.db.sql.raw(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    ).first()?.decode(column: "n", as: Int.self) ?? 0
            }
            #expect(waitingOnLock >= 2, "the answers should be waiting on the ticket's lock")
            for _ in 0..<8 {
                #expect(try await Ticket.query(on: app.db).count() == 1)
            }
            #expect(
                waitingOnLock <= System.coreCount * DatabaseSetup.postgresConnectionsPerEventLoop / 2,
                "no more writers than the gate admits hold connections")

            release.continuation.yield()
            try await holder.value
            let results = try await writers.value
            #expect(results.count == 12)
            #expect(results.allSatisfy { $0.outcome == .appended && $0.ticketID == number })
        }
    }
}

@Suite("The write gate")
struct WriteGateTests {
    @Test("a writer that cannot get in within the wait is refused as busy, and the gate still works after")
    func waitIsBounded() async throws {
        let gate = WriteGate(.database(permits: 1), maximumWait: .milliseconds(200))
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let release = AsyncStream<Void>.makeStream()
        let entered = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await gate.admitted(on: loop) {
                entered.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in entered.stream { break }
        await #expect(throws: ConnectionPoolTimeoutError.self) {
            try await gate.admitted(on: loop) {}
        }
        release.continuation.yield()
        try await holder.value
        #expect(try await gate.admitted(on: loop) { 42 } == 42)
    }
}
