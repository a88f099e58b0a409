import Foundation
import Testing

@testable import RapportMail

@Suite("Loop and noise protection")
struct MailClassificationTests {
    private func classify(_ headers: String..., body: String = "Hello") -> MailClassification {
        MailClassification.classify(
            ParsedEmail(bytes: Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)))
    }

    @Test(
        "automatic replies are recognised by their headers and subjects",
        arguments: [
            ["From: a@example.com", "Auto-Submitted: auto-replied"],
            ["From: a@example.com", "X-Autoreply: yes"],
            ["From: a@example.com", "X-Autorespond: Out of office"],
            ["From: a@example.com", "X-Auto-Response-Suppress: All"],
            ["From: a@example.com", "Precedence: auto_reply"],
            ["From: a@example.com", "Subject: Automatic reply: your ticket"],
            ["From: a@example.com", "Subject: Out of Office: back Monday"],
        ])
    func autoReplies(headers: [String]) {
        let result = MailClassification.classify(
            ParsedEmail(bytes: Array((headers.joined(separator: "\r\n") + "\r\n\r\nAway").utf8)))
        #expect(result.autoReply)
        #expect(result.suppressesAutomaticReplies)
        #expect(result.reason != nil)
    }

    @Test(
        "bulk and list mail is recognised",
        arguments: [
            "Precedence: bulk", "Precedence: junk", "Precedence: list", "List-Id: <news.example.com>",
            "List-Unsubscribe: <mailto:u@example.com>",
        ])
    func bulk(header: String) {
        let result = classify("From: news@example.com", header)
        #expect(result.bulk)
        #expect(result.suppressesAutomaticReplies)
    }

    @Test("a person's message, even with Auto-Submitted: no, is ordinary")
    func ordinary() {
        let result = classify("From: Ada <ada@example.com>", "Auto-Submitted: no", "Subject: Help with my order")
        #expect(!result.suppressesAutomaticReplies)
        #expect(result.reason == nil)
    }

    @Test("an RFC 3464 report names the failing address, status, diagnostic and the original message")
    func deliveryStatusNotification() throws {
        let result = classify(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", "Subject: Undelivered Mail Returned to Sender",
            "Auto-Submitted: auto-replied", "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
            body: [
                "--r", "Content-Type: text/plain", "",
                "I'm sorry to have to inform you that your message could not be delivered.", "--r",
                "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.example.net", "",
                "Final-Recipient: rfc822; gone@example.org",
                "Original-Recipient: rfc822;gone@example.org", "Action: failed", "Status: 5.1.1",
                "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>: user unknown",
                "", "--r", "Content-Type: text/rfc822-headers", "", "Message-ID: <rapport.7.12@help.example.com>",
                "Subject: Re: your order", "--r--",
            ].joined(separator: "\r\n")
        )
        let bounce = try #require(result.bounce)
        #expect(bounce.failedRecipients == ["gone@example.org"])
        #expect(bounce.status == "5.1.1")
        #expect(bounce.diagnostic == "550 5.1.1 <gone@example.org>: user unknown")
        #expect(bounce.originalMessageIDs == ["rapport.7.12@help.example.com"])
        #expect(result.suppressesAutomaticReplies)
    }

    @Test("a delay report is not a failure but still gets no automatic answer")
    func delayed() {
        let result = classify(
            "From: MAILER-DAEMON@mx.example.net", "Subject: Delayed Mail (still being retried)",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
            body: [
                "--r", "Content-Type: message/delivery-status", "", "Final-Recipient: rfc822; slow@example.org",
                "Action: delayed", "Status: 4.4.1", "--r--",
            ].joined(separator: "\r\n")
        )
        #expect(result.bounce == nil)
        #expect(result.suppressesAutomaticReplies)
    }
}

/// A bounce report is read for addresses in one pass: the regular expression it replaced
/// backtracked over every long run of letters, and a fuzzed report of a megabyte ran for minutes.
@Suite("Addresses in bounce prose", .timeLimit(.minutes(1)))
struct AddressScannerTests {
    @Test("finds what the old expression found")
    func sameAddresses() {
        let text = """
            <pat.doe+billing@example.co.uk>: host mx.example.co.uk said: 550 5.1.1 no such user
            also o'brien@mail-1.example.org. and x@y.z (too short a top level) and @nobody.example
            trailing.dot@example.com. done; a.b@c.d.example.travel!
            """
        #expect(
            AddressScanner.addresses(in: text) == [
                "pat.doe+billing@example.co.uk", "o'brien@mail-1.example.org", "trailing.dot@example.com",
                "a.b@c.d.example.travel",
            ])
    }

    @Test("a megabyte of letters, dots and at-signs without an address is read quickly")
    func hostileReport() {
        for filler in ["a", "a.", "a@", "@a.", "a@a.a"] {
            let text = String(repeating: filler, count: 1_000_000 / filler.count)
            let found = AddressScanner.addresses(in: text)
            #expect(
                found.allSatisfy { $0.utf8.count <= AddressScanner.longestLocalPart + AddressScanner.longestDomain + 1 }
            )
        }
        let bounce = """
            From: MAILER-DAEMON@mx.example\r
            To: help@desk.example\r
            Subject: Undelivered Mail Returned to Sender\r
            Content-Type: text/plain\r
            \r
            This is the mail system. The message could not be delivered to:\r
            \(String(repeating: "x", count: 500_000))\r
            <lost.customer@example.net>: 550 5.1.1 user unknown\r
            """
        let report = MailClassification.classify(ParsedEmail(bytes: Array(bounce.utf8))).bounce
        #expect(report?.failedRecipients == ["lost.customer@example.net"])
    }
}
