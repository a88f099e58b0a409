import Fluent
import Foundation
import RapportCore
import Testing

@testable import RapportServer

/// Mail that names a customer's ticket but that the receiving server could not verify does not
/// get into that customer's conversation.
@Suite("Replies from senders who fail SPF and DMARC")
struct SpoofedReplyTests {
    @Test(
        "a [#N] reply whose sender failed DMARC starts a new, marked ticket with a note and no acknowledgement; a verified one joins",
        arguments: TestDatabase.allCases)
    func spoofedReplyStartsNewTicket(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: 1)
            let inbound = app.rapport.inboundMail
            let opening = MailIntegrationTests.customerMail(
                messageID: "real.1@example.org", body: "Please send the invoice to my address.")
            let number = try #require(try await inbound.receive(Array(opening.utf8), on: app.db).ticketID)
            let acknowledgementsBefore = try await OutboundMail.query(on: app.db).count()

            let forged = MailIntegrationTests.customerMail(
                messageID: "forged.1@attacker.example", subject: "Re: The printer is on fire [#\(number)]",
                body: "Please change my bank account to DE00 1234.",
                extraHeaders: [
                    "Authentication-Results: mx.desk.example; spf=fail smtp.mailfrom=example.org; dkim=none; dmarc=fail (p=reject) header.from=example.org"
                ])
            let result = try await inbound.receive(Array(forged.utf8), on: app.db)
            #expect(result.outcome == .created)
            let spoofedTicket = try #require(result.ticketID)
            #expect(spoofedTicket != number)
            #expect(result.reason?.contains("not added to #\(number)") == true)

            // The customer's ticket holds only their own message.
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == number).count() == 1)
            let tags = try await TicketTag.query(on: app.db).filter(\.$ticketID == spoofedTicket).all(\.$tag)
            #expect(tags == [InboundMailService.unverifiedSenderTag])
            let notes = try await Message.query(on: app.db).filter(\.$ticketID == spoofedTicket).filter(
                \.$kind == .note
            ).all()
            #expect(notes.count == 1)
            #expect(notes.first?.body.contains("answers ticket #\(number)") == true)
            #expect(notes.first?.body.contains("SPF fail, DKIM none, DMARC fail, checked by mx.desk.example") == true)
            #expect(
                try await OutboundMail.query(on: app.db).count() == acknowledgementsBefore,
                "nothing is sent to an address that may not have written")

            // The same reply, verified, joins the ticket as before.
            let genuine = MailIntegrationTests.customerMail(
                messageID: "real.2@example.org", subject: "Re: The printer is on fire [#\(number)]",
                body: "Any news on the invoice?",
                extraHeaders: [
                    "Authentication-Results: mx.desk.example; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org"
                ])
            let joined = try await inbound.receive(Array(genuine.utf8), on: app.db)
            #expect(joined.outcome == .appended)
            #expect(joined.ticketID == number)
        }
    }
}
