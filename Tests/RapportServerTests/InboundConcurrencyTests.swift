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
}
