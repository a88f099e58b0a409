import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// Mail against real servers on loopback: Dovecot for IMAP, an aiosmtpd sink for SMTP.
@Suite("Email channel with real IMAP and SMTP servers", .serialized)
struct MailIntegrationTests {
    static let support = "help@helpdesk.test"

    /// Points the workspace at the test servers.
    static func configure(
        _ app: Application, dovecot: TestDovecot?, smtpPort: Int?, imapPort: Int? = nil,
        smtpSecurity: MailSecurity = .none,
        smtpUser: String = "", smtpPassword: String = ""
    ) async throws {
        let setup = app.rapport.mailSetup
        try await setup.saveGeneral(
            .init(
                supportAddress: support, fromName: "Helpdesk Test", acknowledgementEnabled: true,
                acknowledgementSubject: "We received your request: {{ticket.subject}}",
                acknowledgementText: MailSettings.Acknowledgement().text, responseTime: "within 4 hours",
                automaticMessagesPerHour: 3), on: app.db)
        if let smtpPort {
            try await setup.saveSMTP(
                .init(
                    host: "127.0.0.1", port: smtpPort, security: smtpSecurity, username: smtpUser,
                    password: smtpPassword, verifyCertificates: false), on: app.db)
        }
        if let dovecot {
            try await setup.saveMailbox(
                .init(
                    name: "Support inbox",
                    server: .init(
                        host: "127.0.0.1", port: imapPort ?? dovecot.port, security: .none, username: dovecot.user,
                        password: dovecot.password, verifyCertificates: false),
                    folder: "INBOX", afterImport: "seen", moveTo: "", enabled: true), on: app.db)
        }
    }

    static func customerMail(
        messageID: String, subject: String = "The printer is on fire", body: String, inReplyTo: String? = nil,
        extraHeaders: [String] = []
    ) -> String {
        var lines = [
            "From: Ada Lovelace <ada@example.org>", "To: Helpdesk <\(support)>",
            "Cc: Charles Babbage <charles@example.org>",
            "Subject: \(subject)", "Date: Tue, 01 Dec 2026 09:30:00 +0100", "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
        ]
        if let inReplyTo { lines += ["In-Reply-To: <\(inReplyTo)>", "References: <\(inReplyTo)>"] }
        return (lines + extraHeaders + ["", body]).joined(separator: "\r\n")
    }

    @Test(
        "a message in the Maildir becomes a ticket, the reply reaches the sink threaded, and the answer lands on the same ticket",
        arguments: TestDatabase.allCases)
    func roundTrip(database: TestDatabase) async throws {
        let dovecot = try TestDovecot()
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await Self.configure(app, dovecot: dovecot, smtpPort: sink.port)
            let poller = app.rapport.mailboxPoller(logger: app.logger)
            let sender = app.rapport.outboxSender(logger: app.logger)

            try dovecot.deliver(
                Self.customerMail(
                    messageID: "first.1@example.org",
                    body: "Hello,\n\nsmoke is coming out of the printer. What should I do?\n\nAda"))
            let round = try await poller.pollAll(on: app.db)
            #expect(round.imported == 1)
            #expect(round.errors.isEmpty)
            #expect(dovecot.flags().seen == 1)
            let ticket = try #require(try await Ticket.query(on: app.db).first())
            let number = try ticket.requireID
            #expect(ticket.channel == .email)
            #expect(ticket.subject == "The printer is on fire")
            let requester = try #require(
                try await CustomerEmail.query(on: app.db).filter(\.$customerID == ticket.requesterID).first())
            #expect(requester.address == "ada@example.org")

            // The acknowledgement: by name, with the number and the promised time, marked automatic.
            #expect(try await sender.sendDue(on: app.db) == 1)
            let acknowledgement = try #require(sink.messages().first)
            #expect(acknowledgement.text.contains("Hello Ada,"))
            #expect(acknowledgement.text.contains("ticket \(number)"))
            #expect(acknowledgement.text.contains("within 4 hours"))
            #expect(acknowledgement.headers["Auto-Submitted"] == "auto-replied")
            #expect(acknowledgement.inReplyTo == ["first.1@example.org"])
            #expect(acknowledgement.subject?.contains("[#\(number)]") == true)

            // The agent's reply goes out with threading headers, the tag, the agent's name and the Cc.
            let agent = try await context.agent(name: "Grace Hopper")
            let reply = try await context.api(
                .POST, "tickets/\(number)/messages", token: agent.token,
                json: [
                    "kind": "reply",
                    "body": "Hello Ada,\n\nplease unplug it and step away. A technician is on the way.\n\nGrace",
                ])
            #expect(reply.status == .created)
            #expect(try await sender.sendDue(on: app.db) == 1)
            let sent = try #require(sink.messages().last)
            #expect(sent.subject == "Re: The printer is on fire [#\(number)]")
            #expect(sent.from.first?.name == "Grace Hopper (Helpdesk Test)")
            #expect(sent.from.first?.address == Self.support)
            #expect(sent.inReplyTo == ["first.1@example.org"])
            #expect(sent.references.contains("first.1@example.org"))
            #expect(sent.cc.map(\.address) == ["charles@example.org"])
            #expect(sink.envelopes().last == ["ada@example.org", "charles@example.org"])
            #expect(sent.text.contains("please unplug it"))
            #expect(sent.html?.contains("please unplug it") == true)
            let sentID = try #require(sent.messageID)

            // Ada answers from her mail client, quoting the reply: it joins the same ticket.
            try dovecot.deliver(
                Self.customerMail(
                    messageID: "answer.2@example.org", subject: "Re: The printer is on fire [#\(number)]",
                    body:
                        "Done, it is unplugged. Thank you!\n\nOn Tue, 1 Dec 2026, Grace Hopper (Helpdesk Test) <\(Self.support)> wrote:\n> please unplug it and step away.",
                    inReplyTo: sentID
                ))
            let second = try await poller.pollAll(on: app.db)
            #expect(second.imported == 1)
            #expect(try await Ticket.query(on: app.db).count() == 1)
            let messages = try await Message.query(on: app.db).filter(\.$ticketID == number).sort(\.$id).all()
            #expect(messages.count == 3)
            #expect(messages.last?.body == "Done, it is unplugged. Thank you!")
            #expect(messages.last?.quotedText?.contains("please unplug it") == true)
            #expect(try await sender.sendDue(on: app.db) == 0, "an answer on an open ticket is not acknowledged again")

            // Nothing new on the next round; a redelivery of the same message is recognised.
            #expect(try await poller.pollAll(on: app.db).imported == 0)
            try dovecot.markAllUnseen()
            #expect(
                try await poller.pollAll(on: app.db).imported == 0,
                "messages seen again after a crash are duplicates, not new messages")
            #expect(dovecot.flags().unseen == 0)
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == number).count() == 3)
        }
    }

    @Test(
        "the inbound endpoint and mailgate store a message once, refuse bad tokens, and tell the MTA what to do by exit code"
    )
    func inboundEndpointAndMailgate() async throws {
        try await withApp(.sqlite) { app, context in
            try await Self.configure(app, dovecot: nil, smtpPort: nil)
            let token = try await RapportAdministration.issueInboundMailToken(app)
            let raw = Self.customerMail(messageID: "gate.1@example.org", body: "My invoice is wrong.")
            let first = try await context.api(
                .POST, "mail/inbound", token: token, rawBody: raw, contentType: "message/rfc822")
            #expect(first.status == .created)
            #expect(first.object["outcome"] as? String == "created")
            let again = try await context.api(
                .POST, "mail/inbound", token: token, rawBody: raw, contentType: "message/rfc822")
            #expect(again.status == .ok)
            #expect(again.object["outcome"] as? String == "duplicate")
            #expect(
                try await context.api(
                    .POST, "mail/inbound", token: "rin_wrong", rawBody: raw, contentType: "message/rfc822"
                ).status == .unauthorized)
            let agent = try await context.agent()
            #expect(
                try await context.api(
                    .POST, "mail/inbound", token: agent.token, rawBody: raw, contentType: "message/rfc822"
                ).status == .forbidden)
            #expect(
                try await context.api(.POST, "mail/inbound", token: token, rawBody: "", contentType: "message/rfc822")
                    .status == .badRequest)

            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            defer { Task { await app.server.shutdown() } }
            let port = try #require(app.http.server.shared.localAddress?.port)
            let executable = try TestHarness.rapportExecutable
            let file = context.directory.appendingPathComponent("gate.eml")
            try FileManager.default.createDirectory(at: context.directory, withIntermediateDirectories: true)

            func mailgate(_ message: String, token: String, url: String = "http://127.0.0.1:\(port)") async throws
                -> Int32
            {
                try Data(message.utf8).write(to: file)
                let process = try BackgroundProcess(
                    executable, ["mailgate", "--url", url, "--token", token, "--timeout", "3"], stdinPath: file.path)
                return await process.exitCode()
            }
            #expect(
                try await mailgate(
                    Self.customerMail(
                        messageID: "gate.2@example.org", subject: "Order 77 missing", body: "Where is it?"),
                    token: token) == 0)
            #expect(try await Ticket.query(on: app.db).filter(\.$subject == "Order 77 missing").count() == 1)
            #expect(
                try await mailgate(
                    Self.customerMail(
                        messageID: "gate.2@example.org", subject: "Order 77 missing", body: "Where is it?"),
                    token: token) == 0,
                "a duplicate is delivered as far as the MTA is concerned")
            #expect(
                try await mailgate(Self.customerMail(messageID: "gate.3@example.org", body: "x"), token: "rin_wrong")
                    == 75, "a wrong token keeps the mail queued")
            #expect(
                try await mailgate(
                    Self.customerMail(messageID: "gate.4@example.org", body: "x"), token: token,
                    url: "http://127.0.0.1:1") == 75, "an unreachable server keeps the mail queued")
            #expect(try await Ticket.query(on: app.db).count() == 2)
        }
    }

    @Test(
        "auto-replies, lists and bounces get no acknowledgement; a bounce marks the address and shows on the ticket; acknowledgements are rate-limited"
    )
    func loopProtection() async throws {
        let sink = try TestSMTPSink()
        try await withApp(.sqlite) { app, context in
            try await Self.configure(app, dovecot: nil, smtpPort: sink.port)
            let inbound = app.rapport.inboundMail
            let sender = app.rapport.outboxSender(logger: app.logger)
            for (index, header) in [
                "Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: <news.example.org>", "X-Autoreply: yes",
            ].enumerated() {
                let result = try await inbound.receive(
                    Array(
                        Self.customerMail(
                            messageID: "auto.\(index)@example.org", body: "I am away.", extraHeaders: [header]
                        ).utf8), on: app.db)
                #expect(result.outcome == .created)
            }
            #expect(try await sender.sendDue(on: app.db) == 0)
            #expect(sink.messages().isEmpty)

            // Five new requests from one address within the hour: three acknowledgements.
            for index in 0..<5 {
                _ = try await inbound.receive(
                    Array(
                        Self.customerMail(
                            messageID: "many.\(index)@other.example", subject: "Question \(index)", body: "Hi"
                        ).replacingOccurrences(of: "ada@example.org", with: "busy@example.net").utf8), on: app.db)
            }
            #expect(try await sender.sendDue(on: app.db) == 3)

            // An agent replies to Ada; the reply bounces; the ticket shows it and the address is marked.
            let number = try #require(try await Ticket.query(on: app.db).sort(\.$id).first()?.requireID)
            let agent = try await context.agent()
            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: agent.token,
                json: ["kind": "reply", "body": "We will look into it."])
            _ = try await sender.sendDue(on: app.db)
            let outgoing = try #require(try await OutboundMail.query(on: app.db).filter(\.$kind == .reply).first())
            #expect(outgoing.status == .sent)
            let bounce = """
                From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
                To: \(Self.support)
                Subject: Undelivered Mail Returned to Sender
                Message-ID: <bounce.1@mx.example.org>
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="b"

                --b
                Content-Type: text/plain

                Your message could not be delivered.
                --b
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.org

                Final-Recipient: rfc822; ada@example.org
                Action: failed
                Status: 5.1.1
                Diagnostic-Code: smtp; 550 5.1.1 <ada@example.org>: mailbox unavailable

                --b
                Content-Type: text/rfc822-headers

                Message-ID: <\(outgoing.emailMessageID)>
                --b--
                """
            let result = try await inbound.receive(Array(bounce.utf8), on: app.db)
            #expect(result.outcome == .bounce)
            #expect(result.ticketID == number)
            let address = try #require(
                try await CustomerEmail.query(on: app.db).filter(\.$normalized == "ada@example.org").first())
            #expect(address.bouncingSince != nil)
            #expect(address.bounceReason?.contains("5.1.1") == true)
            let note = try #require(
                try await Message.query(on: app.db).filter(\.$ticketID == number).filter(\.$authorKind == .system)
                    .first())
            #expect(note.kind == .note)
            #expect(note.body.contains("ada@example.org"))
            #expect(try await sender.sendDue(on: app.db) == 0, "nothing automatic answers a bounce")
            #expect(try await inbound.receive(Array(bounce.utf8), on: app.db).outcome == .duplicate)

            // Ada writes again: her address works after all.
            _ = try await inbound.receive(
                Array(Self.customerMail(messageID: "back.1@example.org", body: "I fixed my mailbox.").utf8), on: app.db)
            #expect(
                try await CustomerEmail.query(on: app.db).filter(\.$normalized == "ada@example.org").first()?
                    .bouncingSince == nil)
        }
    }

    @Test("SMTP failures: a refused recipient fails for good and shows on the ticket, a temporary one is retried later")
    func smtpFailures() async throws {
        let sink = try TestSMTPSink()
        try await withApp(.sqlite) { app, context in
            try await Self.configure(app, dovecot: nil, smtpPort: sink.port)
            let agent = try await context.agent()
            let sender = app.rapport.outboxSender(logger: app.logger)
            let refused = try await context.ticket(token: agent.token, email: "reject-me@example.org")
            let delayed = try await context.ticket(token: agent.token, email: "tempfail-me@example.org")
            for number in [refused, delayed] {
                _ = try await context.api(
                    .POST, "tickets/\(number)/messages", token: agent.token,
                    json: ["kind": "reply", "body": "Here is what I found."])
            }
            #expect(try await sender.sendDue(on: app.db) == 2)
            let rows = try await OutboundMail.query(on: app.db).sort(\.$id).all()
            #expect(rows[0].status == .failed)
            #expect(rows[0].lastError?.contains("550") == true)
            #expect(rows[1].status == .queued)
            #expect(rows[1].attempts == 1)
            #expect(rows[1].nextAttemptAt > context.clock.now())
            let event = try await TicketEvent.query(on: app.db).filter(\.$ticketID == refused).filter(
                \.$field == "email_failed"
            ).first()
            #expect(event != nil)
            #expect(try await sender.sendDue(on: app.db) == 0, "the retry waits for its time")
            context.clock.advance(by: 3600)
            #expect(try await sender.sendDue(on: app.db) == 1)
            #expect(sink.messages().isEmpty)
        }
    }

    @Test("STARTTLS with AUTH sends; connection tests name the step that failed")
    func connectionChecks() async throws {
        let certificate = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rapport-cert-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: certificate, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: certificate) }
        try Subprocess.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-keyout", certificate.appendingPathComponent("key.pem").path, "-out",
                certificate.appendingPathComponent("cert.pem").path,
            ])
        let sink = try TestSMTPSink(
            auth: "mailer:s3cret",
            starttls: (
                certificate.appendingPathComponent("cert.pem").path, certificate.appendingPathComponent("key.pem").path
            ))
        let dovecot = try TestDovecot()
        try await withApp(.sqlite) { app, _ in
            let setup = app.rapport.mailSetup
            try await Self.configure(
                app, dovecot: dovecot, smtpPort: sink.port, smtpSecurity: .startTLS, smtpUser: "mailer",
                smtpPassword: "s3cret")
            let good = try await setup.checkSMTP(on: app.db)
            #expect(good.succeeded, "\(good)")
            #expect(good.steps.contains("TLS started"))
            #expect(good.steps.contains("signed in as mailer"))

            try await setup.saveSMTP(
                .init(
                    host: "127.0.0.1", port: sink.port, security: .startTLS, username: "mailer", password: "wrong",
                    verifyCertificates: false), on: app.db)
            #expect(try await setup.checkSMTP(on: app.db).failedStage == "auth")
            try await setup.saveSMTP(
                .init(
                    host: "127.0.0.1", port: sink.port, security: .tls, username: "", password: "",
                    verifyCertificates: false), on: app.db)
            // TLS spoken to a plain port, a closed port and a port where another service answers
            // all read the same, and nothing the other end said is repeated: the test is not a
            // port scanner.
            let plainPort = try await setup.checkSMTP(on: app.db)
            #expect(plainPort.failedStage == "connection")
            let closedPort = try freeLoopbackPort()
            try await setup.saveSMTP(
                .init(
                    host: "127.0.0.1", port: closedPort, security: .none, username: "", password: "",
                    verifyCertificates: false), on: app.db)
            let closed = try await setup.checkSMTP(on: app.db)
            #expect(closed.failedStage == "connection")
            let banner = try BannerServer(line: "SSH-2.0-OpenSSH_9.2p1 Debian-2")
            defer { banner.stop() }
            try await setup.saveSMTP(
                .init(
                    host: "127.0.0.1", port: banner.port, security: .none, username: "", password: "",
                    verifyCertificates: false), on: app.db)
            let other = try await setup.checkSMTP(on: app.db)
            #expect(other.failedStage == "connection")
            #expect(!(other.failure ?? "").contains("SSH"), "\(other)")
            #expect(
                other.failure?.replacingOccurrences(of: String(banner.port), with: "N")
                    == closed.failure?.replacingOccurrences(of: String(closedPort), with: "N"),
                "an open port with another service must read like a closed one")
            try await setup.saveSMTP(
                .init(
                    host: "no-such-host.invalid", port: 25, security: .none, username: "", password: "",
                    verifyCertificates: false), on: app.db)
            #expect(try await setup.checkSMTP(on: app.db).failedStage == "dns")

            let mailboxID = try #require(try await Mailbox.query(on: app.db).first()?.requireID)
            #expect(try await setup.checkMailbox(mailboxID, on: app.db).succeeded)
            var input = MailSetupService.MailboxInput(
                name: "Support inbox",
                server: .init(
                    host: "127.0.0.1", port: dovecot.port, security: .none, username: dovecot.user,
                    password: "wrong", verifyCertificates: false),
                folder: "INBOX", afterImport: "seen", moveTo: "", enabled: true)
            try await setup.saveMailbox(input, id: mailboxID, on: app.db)
            #expect(try await setup.checkMailbox(mailboxID, on: app.db).failedStage == "auth")
            input.server.password = dovecot.password
            input.folder = "No Such Folder"
            try await setup.saveMailbox(input, id: mailboxID, on: app.db)
            #expect(try await setup.checkMailbox(mailboxID, on: app.db).failedStage == "folder")
        }
    }
}

@Suite("Inbound mail robustness")
struct InboundMailRobustnessTests {
    @Test(
        "hostile and malformed messages are stored or refused with a reason, never a server error",
        arguments: TestDatabase.allCases)
    func hostileMessages(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let token = try await RapportAdministration.issueInboundMailToken(app)
            var generator = SystemRandomNumberGenerator()
            var samples: [String] = [
                "From: Nul\u{0} Byte <nul@example.org>\r\nSubject: a\u{0}b\r\nMessage-ID: <\u{0}@x>\r\n\r\nbody\u{0}with nul",
                "From: nobody\r\n\r\nno address at all",
                "Subject: only a subject",
                "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=x-no-such\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
                "From: \"=?utf-8?B?//79?=\" <b@example.org>\r\nSubject: =?utf-8?Q?=FF=FE?=\r\n\r\n\u{1}\u{2}\u{7F}",
                String(repeating: "X-Filler: 1\r\n", count: 5000) + "From: c@example.org\r\n\r\nlong header section",
            ]
            for _ in 0..<20 {
                let bytes = (0..<Int.random(in: 1..<3000, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
                samples.append(
                    "From: fuzz@example.org\r\nContent-Type: multipart/alternative; boundary=q\r\n\r\n--q\r\n"
                        + String(decoding: bytes, as: UTF8.self))
            }
            for sample in samples {
                let result = try await context.api(
                    .POST, "mail/inbound", token: token, rawBody: sample, contentType: "message/rfc822")
                #expect(
                    result.status.code < 500,
                    "\(result.status) \(result.text.prefix(300)) for \(sample.prefix(80).debugDescription)")
                if result.status.code >= 400 { #expect(result.object["reason"] as? String != nil) }
            }
            let stored = try #require(try await Message.query(on: app.db).filter(\.$body ~~ "with nul").first())
            #expect(!stored.body.contains("\u{0}"))
        }
    }
}
