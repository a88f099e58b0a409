import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// An agent's files reach the customer: in the email, byte for byte, and in the portal, only to
/// whoever may see the request.
@Suite("Agent attachments reach the customer", .serialized)
struct DayOneAttachmentTests {
    /// Bytes of every value, so a wrong transfer encoding or a lost CR cannot go unnoticed.
    static func binary(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 31) ^ ($0 >> 7)) })
    }

    /// A real 2×2 PNG.
    static let png = Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR4nGP4z8DwHwyBNAMDAwMDAwA8Xwf5kTzHsAAAAABJRU5ErkJggg=="
    )!

    @Test(
        "a reply's PDF and image are in the email at the SMTP sink, byte for byte, the image inline by Content-ID",
        arguments: TestDatabase.allCases)
    func emailCarriesFiles(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let number = try await context.ticket(token: agent.token, email: "pat@example.com", name: "Pat Customer")
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            try await web.get("/tickets/\(number)")
            let pdf = Self.binary(300_000)
            let page = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [
                    ("kind", "reply"),
                    ("body", "Hello Pat,\n\nthe manual and a photo of the wiring are attached.\n\nGrace"),
                ],
                binaryFiles: [
                    ("attachments[]", "Manual – model 7.pdf", "application/pdf", pdf),
                    ("attachments[]", "wiring.png", "image/png", Self.png),
                ])
            #expect(page.status == .seeOther, "\(page.body.prefix(400))")
            let sender = app.rapport.outboxSender(logger: app.logger)
            _ = try await sender.sendDue(on: app.db)
            let sent = try #require(sink.messages().last { $0.subject?.hasPrefix("Re:") == true })
            #expect(sent.root.contentType.type == "multipart" && sent.root.contentType.subtype == "mixed")
            let manual = try #require(
                sent.attachments.first { $0.filename == "Manual – model 7.pdf" },
                "attachments: \(sent.attachments.map(\.filename))")
            #expect(manual.data == pdf, "the PDF arrived changed: \(manual.data.count) bytes instead of \(pdf.count)")
            #expect(manual.contentType == "application/pdf")
            #expect(!manual.isInline)
            let image = try #require(sent.attachments.first { $0.filename == "wiring.png" })
            #expect(image.data == Self.png)
            let contentID = try #require(image.contentID)
            #expect(sent.html?.contains("cid:\(contentID)") == true, "the HTML part shows the image by its Content-ID")
            #expect(sent.text.contains("the manual and a photo"))
        }
    }

    @Test(
        "the portal lists and serves a reply's files to the customer, never a note's or another customer's",
        arguments: TestDatabase.allCases)
    func portalFiles(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let number = try await context.ticket(token: agent.token, email: "pat@example.com", name: "Pat Customer")
            let other = try await context.ticket(
                token: agent.token, subject: "Someone else's", email: "lee@example.com", name: "Lee Other")
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            try await web.get("/tickets/\(number)")
            let pdf = Self.binary(50_000)
            _ = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [("kind", "reply"), ("body", "See the attached guide: https://example.com/guide?step=2.")],
                binaryFiles: [("attachments[]", "guide.pdf", "application/pdf", pdf)])
            try await web.get("/tickets/\(number)")
            _ = try await web.postMultipart(
                "/tickets/\(number)/messages",
                fields: [("kind", "note"), ("body", "Internal: the supplier's price list.")],
                binaryFiles: [("attachments[]", "prices-internal.xlsx", "application/vnd.ms-excel", Self.binary(2_000))]
            )
            try await web.get("/tickets/\(other)")
            _ = try await web.postMultipart(
                "/tickets/\(other)/messages", fields: [("kind", "reply"), ("body", "Yours.")],
                binaryFiles: [("attachments[]", "lee.pdf", "application/pdf", Self.binary(1_000))])
            let files = try await Attachment.query(on: app.db).sort(\.$id).all()
            let guide = try #require(files.first { $0.filename == "guide.pdf" })
            let noteFile = try #require(files.first { $0.filename == "prices-internal.xlsx" })
            let lees = try #require(files.first { $0.filename == "lee.pdf" })

            let pat = try await SelfServiceTests.portalSession(app, email: "pat@example.com")
            let request = try await pat.get("/portal/requests/\(number)")
            #expect(request.body.contains("guide.pdf"))
            #expect(request.body.contains("/portal/files/\(try guide.requireID)"))
            #expect(!request.body.contains("prices-internal"), "a note's file is never shown to the customer")
            #expect(
                request.body.contains("<a href=\"https://example.com/guide?step=2\""),
                "web addresses in replies are links")
            let download = try await pat.download("/portal/files/\(try guide.requireID)")
            #expect(download.status == .ok)
            #expect(download.data == pdf)
            #expect(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(try await pat.download("/portal/files/\(try noteFile.requireID)").status == .notFound)
            #expect(try await pat.download("/portal/files/\(try lees.requireID)").status == .notFound)
            let stranger = WebClient(app: app)
            #expect(
                try await stranger.download("/portal/files/\(try guide.requireID)").status == .seeOther,
                "signed out: to the sign-in page")
        }
    }

    @Test("files over the limit are refused with a reason that names them, and the draft is kept")
    func sizeLimit() async throws {
        try await withApp(.sqlite, settings: { $0.attachmentMaximumBytes = 100 * 1024 }) { app, context in
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let number = try await context.ticket(token: agent.token)
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            let ticketPage = try await web.get("/tickets/\(number)")
            #expect(
                ticketPage.body.contains("data-max-bytes=\"102400\""),
                "the page tells its script the limit, to check files as they are chosen")
            let big = try await web.postMultipart(
                "/tickets/\(number)/messages", fields: [("kind", "reply"), ("body", "Here is the log.")],
                binaryFiles: [("attachments[]", "server.log", "text/plain", Self.binary(150 * 1024))])
            #expect(big.status == .unprocessableEntity)
            #expect(big.body.contains("server.log"))
            #expect(big.body.contains("150 KB; the limit is 100 KB per file"))
            #expect(big.body.contains("Here is the log."), "the draft is still in the composer")
            try await web.get("/tickets/\(number)")
            let together = try await web.postMultipart(
                "/tickets/\(number)/messages", fields: [("kind", "reply"), ("body", "Two halves.")],
                binaryFiles: [
                    ("attachments[]", "a.bin", "application/octet-stream", Self.binary(60 * 1024)),
                    ("attachments[]", "b.bin", "application/octet-stream", Self.binary(60 * 1024)),
                ])
            #expect(together.status == .unprocessableEntity)
            #expect(together.body.contains("together the files are 120 KB; one message can carry at most 100 KB"))
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == number).count() == 1, "nothing was sent")
            // A body larger than the form accepts is cut off before any handler: the answer
            // still says what the limit is. (Over a real connection: the in-memory test client
            // hands the route a body already collected.)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/tickets/\(number)/messages")!)
            request.httpMethod = "POST"
            request.setValue("multipart/form-data; boundary=x", forHTTPHeaderField: "Content-Type")
            request.setValue(
                web.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie")
            request.setValue("text/html", forHTTPHeaderField: "Accept")
            request.httpBody = Data(repeating: 0x41, count: 3 * 1024 * 1024)
            let (data, response) = try await URLSession.shared.data(for: request)
            await app.server.shutdown()
            #expect((response as? HTTPURLResponse)?.statusCode == 413)
            #expect(
                String(decoding: data, as: UTF8.self).contains("Files can be at most 100 KB each"),
                "a body larger than the form takes says what the limit is")
        }
    }

    @Test("a large message over a slow link is sent whole: the SMTP timeout counts the bytes written, not only replies")
    func slowLinkDoesNotTimeOut() async throws {
        let sink = try TestSMTPSink()
        let proxy = try ThrottleProxy(upstream: sink.port, bytesPerSecond: 64 * 1024)
        // About 5 s on the wire with a 2 s timeout: only progress while writing keeps it alive.
        var email = OutgoingEmail(
            from: MailAddress(name: "Help", address: "help@helpdesk.test"),
            to: [MailAddress(name: nil, address: "pat@example.com")],
            subject: "Your files", messageID: "slow.1@helpdesk.test", date: Date(), text: "Attached.")
        let file = Self.binary(240_000)
        email.attachments = [
            OutgoingAttachment(filename: "big.bin", contentType: "application/octet-stream", data: file)
        ]
        let client = SMTPClient(
            SMTPConfiguration(host: "127.0.0.1", port: proxy.port, security: .none, timeoutSeconds: 2))
        let delivery = try await client.send(email.render(), from: "help@helpdesk.test", to: ["pat@example.com"])
        #expect(delivery.accepted == ["pat@example.com"])
        let received = try #require(sink.messages().last)
        #expect(received.attachments.first?.data == file)
    }
}
