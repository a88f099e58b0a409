import Foundation
import RapportMail
import Testing

/// Builds a message from lines joined with CRLF, as it travels.
func rawMessage(_ lines: String...) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

@Suite("MIME parsing")
struct MIMEParsingTests {
    @Test("folded headers are unfolded and encoded words decoded, adjacent words joined")
    func headers() {
        let message = ParsedEmail(
            bytes: rawMessage(
                "Subject: =?UTF-8?Q?Caf=C3=A9_order?=", "  =?UTF-8?B?wqAjNDI=?= is late", "From: Ada <ada@example.com>",
                "", "Hi"
            ))
        #expect(message.subject == "Café order\u{00A0}#42 is late")
        #expect(message.text == "Hi")
    }

    @Test("address lists: quoted names, comments, groups, routes, encoded names, missing brackets")
    func addresses() {
        let list = MailAddressList.parse(
            #""Lovelace, Ada" <ada@example.com>, bob@example.org (Bob Smith), Team: carol@example.net, <@relay.example:dave@example.com>;, =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>"#
        )
        #expect(
            list == [
                MailAddress(name: "Lovelace, Ada", address: "ada@example.com"),
                MailAddress(name: "Bob Smith", address: "bob@example.org"),
                MailAddress(name: nil, address: "carol@example.net"),
                MailAddress(name: nil, address: "dave@example.com"),
                MailAddress(name: "André", address: "andre@example.fr"),
            ])
        #expect(MailAddressList.parse("undisclosed-recipients:;").isEmpty)
        #expect(MailAddressList.parse("John Q. Public <jqp@example.com>").first?.name == "John Q. Public")
    }

    @Test(
        "dates in current and obsolete forms keep their instant and offset",
        arguments: [
            ("Fri, 07 Oct 1994 16:15:05 -0700", "1994-10-07T16:15:05-07:00"),
            ("7 Oct 94 16:15 PDT", "1994-10-07T16:15:00-07:00"),
            ("Mon, 1 Jan 2024 00:00:00 +0000 (UTC)", "2024-01-01T00:00:00Z"),
            ("Tue, 30 Jun 2026 23:59:59 +0530", "2026-06-30T23:59:59+05:30"),
            ("2006-10-01 12:00:00 +0200", "2006-10-01T12:00:00+02:00"),
        ])
    func dates(raw: String, iso: String) {
        #expect(MailDate.parse(raw)?.iso8601 == iso)
    }

    @Test("an unreadable date is reported, not fatal")
    func badDate() {
        let message = ParsedEmail(bytes: rawMessage("From: a@example.com", "Date: sometime soon", "", "x"))
        #expect(message.date == nil)
        #expect(message.warnings.contains { $0.contains("Date") })
    }

    @Test("RFC 2231 continued, charset-tagged parameters and RFC 2047 in quoted parameters")
    func parameters() {
        let continued = HeaderParameters.parse(
            "attachment; filename*0*=UTF-8''na%C3%AFve%20; filename*1=\"report.pdf\"")
        #expect(continued.value == "attachment")
        #expect(continued["filename"] == "naïve report.pdf")
        let outlook = HeaderParameters.parse("application/pdf; name=\"=?utf-8?B?0YHRh9C10YIucGRm?=\"")
        #expect(outlook["name"] == "счет.pdf")
        #expect(HeaderParameters.parse("TEXT/Plain; CHARSET=\"ISO-8859-1\"").value == "text/plain")
        #expect(HeaderParameters.parse("TEXT/Plain; CHARSET=\"ISO-8859-1\"")["charset"] == "ISO-8859-1")
    }

    @Test("quoted-printable and base64 bodies decode, soft breaks and bad padding included")
    func transferEncodings() {
        #expect(
            TransferEncoding.decodeQuotedPrintable(Array("caf=C3=A9 =\r\nau lait=3D=\nok = fine".utf8))
                == Array("café au lait=ok = fine".utf8))
        #expect(TransferEncoding.decodeBase64(Array("SGVs\r\nbG8gd29y bGQ".utf8)) == Array("Hello world".utf8))
        let encoded = TransferEncoding.encodeQuotedPrintable(String(repeating: "é", count: 60) + "\nend ")
        #expect(
            TransferEncoding.decodeQuotedPrintable(Array(encoded.utf8))
                == Array((String(repeating: "é", count: 60) + "\r\nend ").utf8))
        #expect(encoded.split(separator: "\r\n").allSatisfy { $0.count <= 76 })
    }

    @Test(
        "text in the charsets mail uses is decoded",
        arguments: [
            ("iso-8859-2", [0x50, 0xF8, 0xED, 0x6C, 0x69, 0xB9] as [UInt8], "Příliš"),
            ("windows-1250", [0x9A, 0x9D, 0x9E], "šťž"),
            ("iso-8859-15", [0xA4, 0x20, 0x35], "€ 5"),
            ("windows-1252", [0x93, 0x68, 0x69, 0x94, 0x80], "“hi”€"),
            ("koi8-r", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет"),
            ("shift_jis", [0x82, 0xB1, 0x82, 0xF1, 0x82, 0xC9, 0x82, 0xBF, 0x82, 0xCD], "こんにちは"),
            ("iso-2022-jp", [0x1B, 0x24, 0x42, 0x24, 0x33, 0x24, 0x73, 0x1B, 0x28, 0x42], "こん"),
            ("us-ascii", [0x63, 0x61, 0x66, 0xC3, 0xA9], "café"),
        ])
    func charsets(charset: String, bytes: [UInt8], expected: String) {
        #expect(Charset.decode(bytes, charset: charset).text == expected)
    }

    @Test("an unknown charset falls back with a warning instead of losing the text")
    func unknownCharset() {
        let decoded = Charset.decode(Array("plain words".utf8), charset: "x-made-up-charset")
        #expect(decoded.text == "plain words")
        #expect(decoded.problem != nil)
    }

    @Test("multipart/alternative prefers the plain text and keeps the HTML; attachments and inline images are kept")
    func nestedMultipart() throws {
        let message = ParsedEmail(
            bytes: rawMessage(
                "From: Ada <ada@example.com>", "To: help@example.com", "Subject: Invoice", "MIME-Version: 1.0",
                "Content-Type: multipart/mixed; boundary=outer", "", "preamble", "--outer",
                "Content-Type: multipart/related; boundary=\"rel\"", "", "--rel",
                "Content-Type: multipart/alternative; boundary=alt", "", "--alt",
                "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "",
                "Gr=FC=DFe, the invoice is wrong.", "--alt",
                "Content-Type: text/html; charset=utf-8", "",
                "<p>Gr\u{00FC}\u{00DF}e, the <b>invoice</b> is wrong.</p><img src=\"cid:logo@x\">", "--alt--",
                "--rel", "Content-Type: image/png", "Content-ID: <logo@x>", "Content-Transfer-Encoding: base64", "",
                "iVBORw0KGgo=", "--rel--",
                "--outer", "Content-Type: application/pdf; name=invoice.pdf",
                "Content-Disposition: attachment; filename=\"../../invoice.pdf\"",
                "Content-Transfer-Encoding: base64", "", "JVBERi0xLjQ=", "--outer--", "epilogue"
            ))
        #expect(message.text == "Grüße, the invoice is wrong.")
        #expect(message.html?.contains("<b>invoice</b>") == true)
        #expect(message.attachments.map(\.filename) == ["part-1.png", "invoice.pdf"])
        #expect(message.attachments[0].contentID == "logo@x")
        #expect(message.attachments[0].isInline)
        #expect(message.attachments[1].data == Data("%PDF-1.4".utf8))
        #expect(
            message.parts.map(\.contentType) == [
                "multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png",
                "application/pdf",
            ])
        #expect(message.warnings.isEmpty)
    }

    @Test("an HTML-only message becomes readable text without scripts or styles")
    func htmlOnly() {
        let message = ParsedEmail(
            bytes: rawMessage(
                "From: shop@example.com", "Content-Type: text/html; charset=utf-8", "",
                "<html><head><style>p{color:red}</style><title>x</title></head><body><script>alert(1)</script>",
                "<p>Your order&nbsp;&#35;1234 has <b>shipped</b>.</p><ul><li>Tea</li><li>Cups &amp; saucers</li></ul>",
                "<p>Track it <a href=\"https://example.com/t/1\">here</a>.</p></body></html>"
            ))
        #expect(
            message.text
                == "Your order #1234 has shipped.\n\n- Tea\n- Cups & saucers\n\nTrack it here <https://example.com/t/1>."
        )
    }

    @Test("an attached message stays one attachment and its own parts are parsed")
    func embeddedMessage() throws {
        let message = ParsedEmail(
            bytes: rawMessage(
                "From: ada@example.com", "Content-Type: multipart/mixed; boundary=b", "", "--b",
                "Content-Type: text/plain", "", "See below.", "--b",
                "Content-Type: message/rfc822", "", "From: bob@example.com", "Subject: Original", "",
                "The original text.", "--b--"
            ))
        #expect(message.text == "See below.")
        #expect(message.attachments.count == 1)
        #expect(message.attachments[0].contentType == "message/rfc822")
        #expect(message.attachments[0].filename.hasSuffix(".eml"))
        #expect(message.root.children[1].children.first?.headers["Subject"] == "Original")
    }

    @Test(
        "malformed structure is read best-effort with warnings",
        arguments: [
            "Content-Type: multipart/mixed\r\n\r\nno boundary here",
            "Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nnever closed",
            "Content-Type: multipart/mixed; boundary=zz\r\n\r\nboundary never appears",
            "Subject: x\r\nthis line is not a header\r\nbody",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbody",
        ])
    func malformed(raw: String) {
        let message = ParsedEmail(bytes: Array(("From: a@example.com\r\n" + raw).utf8))
        #expect(!message.warnings.isEmpty)
        #expect(!message.text.isEmpty || !message.attachments.isEmpty)
    }

    @Test("deep nesting and random bytes never crash the parser")
    func hostileInput() {
        var deep = "From: a@example.com\r\n"
        for level in 0..<200 { deep += "Content-Type: multipart/mixed; boundary=b\(level)\r\n\r\n--b\(level)\r\n" }
        deep += "Content-Type: text/plain\r\n\r\ndeep text"
        let message = ParsedEmail(bytes: Array(deep.utf8))
        #expect(message.warnings.contains { $0.contains("deeper") })
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let noise = (0..<Int.random(in: 0..<2000, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = MailParseReport(
                ParsedEmail(bytes: Array("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n".utf8) + noise))
        }
    }

    @Test("a message that is all 8-bit headers keeps its text")
    func eightBitHeaders() {
        let bytes: [UInt8] =
            Array("From: ".utf8) + [0x4A, 0xF6, 0x72, 0x67] + Array(" <jorg@example.com>\r\nSubject: caf".utf8) + [
                0xC3, 0xA9,
            ] + Array("\r\n\r\nhi".utf8)
        let message = ParsedEmail(bytes: bytes)
        #expect(message.from.first?.name == "Jörg")
        #expect(message.subject == "café")
    }
}

@Suite("Reply text")
struct ReplyTextTests {
    @Test(
        "the new part is separated from the quoted history",
        arguments: [
            (
                "Thanks, that fixed it!\n\nOn Mon, 3 Mar 2026 at 10:00, Rapport Support <help@example.com> wrote:\n> Try restarting.\n",
                "Thanks, that fixed it!"
            ),
            (
                "Still broken.\n\nOn Mon, 3 Mar 2026 at 10:00, Rapport Support\n<help@example.com> wrote:\n> Try restarting.",
                "Still broken."
            ),
            (
                "Yes please.\n\n-----Original Message-----\nFrom: Help\nSent: Monday\nSubject: Re: x\n\nold",
                "Yes please."
            ),
            (
                "See you then.\n\nFrom: Help Desk <help@example.com>\nSent: Tuesday, 4 March 2026 09:12\nTo: Ada\n\nold text",
                "See you then."
            ),
            ("Agreed.\n> old line\n>\n> older line", "Agreed."),
        ])
    func splits(text: String, expected: String) {
        let reply = ReplyText(text)
        #expect(reply.newText == expected)
        #expect(reply.quoted != nil)
    }

    @Test("inline answers between quotes are kept whole, and plain mail has no history")
    func inlineAnswers() {
        let text = "> Which version?\n2.3\n> Which system?\nDebian"
        #expect(ReplyText(text).newText == text)
        #expect(ReplyText("Just a question.").quoted == nil)
    }
}

@Suite("Outgoing mail")
struct OutgoingEmailTests {
    @Test("a rendered reply reads back with its threading headers, names and text intact")
    func roundTrip() throws {
        var email = OutgoingEmail(
            from: MailAddress(name: "Zoë at Rapport Support", address: "help@example.com"),
            to: [MailAddress(name: "Ada Lovelace", address: "ada@example.org")],
            subject: "Re: Überweisung fehlt [#42]", messageID: "rapport.42.abc@example.com",
            date: Date(timeIntervalSince1970: 1_780_000_000),
            text: "Hello Ada,\n\n.dot at the start & <tags> stay text. " + String(repeating: "long line ", count: 20)
                + "\n\nZoë"
        )
        email.inReplyTo = "customer-1@example.org"
        email.references = ["customer-0@example.org", "customer-1@example.org"]
        email.autoSubmitted = nil
        let parsed = ParsedEmail(bytes: email.render())
        #expect(parsed.subject == "Re: Überweisung fehlt [#42]")
        #expect(parsed.from.first == MailAddress(name: "Zoë at Rapport Support", address: "help@example.com"))
        #expect(parsed.to.first?.address == "ada@example.org")
        #expect(parsed.messageID == "rapport.42.abc@example.com")
        #expect(parsed.inReplyTo == ["customer-1@example.org"])
        #expect(parsed.references == ["customer-0@example.org", "customer-1@example.org"])
        #expect(
            parsed.text
                == email.text.replacingOccurrences(of: "\n", with: "\r\n").replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(parsed.html?.contains("&lt;tags&gt;") == true)
        #expect(parsed.warnings.isEmpty)
        #expect(email.render().allSatisfy { $0 < 0x80 })
        #expect(!MailClassification.classify(parsed).suppressesAutomaticReplies)
    }

    @Test("an acknowledgement is marked as an automatic reply so other robots do not answer it")
    func acknowledgement() {
        var email = OutgoingEmail(
            from: MailAddress(name: nil, address: "help@example.com"),
            to: [MailAddress(name: nil, address: "ada@example.org")],
            subject: "We got your message [#7]", messageID: "x@example.com", date: Date(), text: "Thanks")
        email.autoSubmitted = "auto-replied"
        let classification = MailClassification.classify(ParsedEmail(bytes: email.render()))
        #expect(classification.autoReply)
    }
}

/// Headers built to be slow: before header decoding was made linear, 40,000 encoded words took
/// 8.9 s. The limit is a guard, not a timing; `rapport bench adversarial` prints the figures.
@Suite("Encoded words at scale", .timeLimit(.minutes(1)))
struct EncodedWordsAtScaleTests {
    @Test("40,000 adjacent encoded words decode to one text, the spaces between them gone")
    func manyWords() {
        let header = Array(repeating: "=?utf-8?q?caf=C3=A9?=", count: 40_000).joined(separator: " ")
        #expect(EncodedWords.decode(header) == String(repeating: "café", count: 40_000), "one long run of words")
        let split = Array(repeating: "=?utf-8?b?w6k=?= =?iso-8859-1?q?=E9?=", count: 20_000).joined(separator: " ")
        #expect(EncodedWords.decode(split) == String(repeating: "éé", count: 20_000), "words of two charsets")
    }

    @Test("words that never close, and openings alone, are kept as they were written")
    func unclosed() {
        for header in [
            String(repeating: "=?utf-8?q?abc ", count: 40_000), String(repeating: "=?utf-8?b?QUJD", count: 40_000),
            String(repeating: "=?utf-8?", count: 40_000),
        ] {
            let decoded = EncodedWords.decode(header)
            #expect(decoded == header, "\(header.prefix(20))… came out as \(decoded.prefix(60))…")
        }
        #expect(EncodedWords.decode("Re: =?utf-8?q?caf=C3=A9?=s and =?utf-8?q?open") == "Re: cafés and =?utf-8?q?open")
    }

    @Test("a message with a million line breaks in its text is read whole")
    func manyLineBreaks() {
        let body = String(repeating: "a\r\n", count: 1_000_000)
        let raw = "From: pat@example.com\r\nSubject: lines\r\nContent-Type: text/plain\r\n\r\n" + body
        let message = ParsedEmail(bytes: Array(raw.utf8))
        #expect(message.text.utf8.count == 2_000_000 || message.text.utf8.count == 1_999_999)
        #expect(!message.text.contains("\r"))
    }
}

@Suite("Very large HTML bodies")
struct LargeHTMLBodyTests {
    @Test("only the first megabyte of an HTML-only body becomes text, and the message says so")
    func bounded() {
        let paragraph = "<p>Line of the letter</p>\r\n"
        let html = String(repeating: paragraph, count: 3 * 1_048_576 / paragraph.utf8.count)
        let raw = "From: pat@example.com\r\nSubject: long\r\nContent-Type: text/html\r\n\r\n<p>Dear support,</p>" + html
        let message = ParsedEmail(bytes: Array(raw.utf8))
        #expect(message.text.hasPrefix("Dear support,"))
        #expect(message.text.utf8.count < ParsedEmail.longestHTMLReadAsText)
        #expect(message.html?.utf8.count ?? 0 > 3_000_000, "the HTML itself is kept whole")
        #expect(message.warnings.contains { $0.contains("only the text of its first 1 MB was read") })
    }
}
