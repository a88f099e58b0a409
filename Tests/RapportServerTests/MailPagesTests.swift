import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The mail settings pages and what the ticket page shows of mail.
@Suite("Mail settings pages", .serialized)
struct MailPagesTests {
    @Test(
        "an admin sets up the address, SMTP and a mailbox; tests say which step failed; agents cannot get in",
        arguments: TestDatabase.allCases)
    func settingsPages(database: TestDatabase) async throws {
        let dovecot = try TestDovecot()
        try await withApp(database) { app, context in
            let (browser, _, _) = try await WorkspacePagesTests.signedIn(app, context)
            #expect(try await browser.get("/admin/mail").status == .ok)

            let bad = try await browser.post(
                "/admin/mail/general",
                form: [
                    ("support_address", "not an address"), ("from_name", "Desk"),
                    ("acknowledgement_subject", "Hi {{ticket.nope}}"),
                    ("acknowledgement_text", "Hello"), ("response_time", "soon"), ("automatic_messages_per_hour", "3"),
                ])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.contains("mail-error"))
            let good = try await browser.post(
                "/admin/mail/general",
                form: [
                    ("support_address", "help@helpdesk.test"), ("from_name", "Desk <Team>"),
                    ("acknowledgement_enabled", "on"),
                    ("acknowledgement_subject", "Got it: {{ticket.subject}}"),
                    ("acknowledgement_text", "Hello {{customer.first_name}}"),
                    ("response_time", "within a day"), ("automatic_messages_per_hour", "5"),
                ])
            #expect(good.status == .seeOther || good.status == .found)
            let settings = try await app.rapport.mailSettings.load(on: app.db)
            #expect(settings.supportAddress == "help@helpdesk.test")
            #expect(settings.automaticMessagesPerHour == 5)
            #expect(
                try await browser.get("/admin/mail").body.contains("Desk &lt;Team&gt;"), "saved text is shown escaped")

            let closedPort = try freeLoopbackPort()
            _ = try await browser.post(
                "/admin/mail/smtp",
                form: [
                    ("host", "127.0.0.1"), ("port", String(closedPort)), ("security", "none"), ("username", "mailer"),
                    ("password", "top-secret"),
                ])
            let stored = try #require(try await app.rapport.mailSettings.load(on: app.db).smtp)
            #expect(stored.passwordSealed != nil)
            #expect(stored.passwordSealed?.contains("top-secret") == false, "the password is stored sealed")
            let check = try await browser.post("/admin/mail/smtp/test")
            #expect(check.body.contains("connection failed"))
            #expect(check.body.contains("Connecting"))
            #expect(check.body.contains("no answer from an SMTP server at 127.0.0.1 port \(closedPort)"))
            #expect(!check.body.contains("top-secret"))

            let created = try await browser.post(
                "/admin/mail/mailboxes",
                form: [
                    ("name", "Support inbox"), ("host", "127.0.0.1"), ("port", String(dovecot.port)),
                    ("security", "none"),
                    ("username", dovecot.user), ("password", dovecot.password), ("folder", "INBOX"),
                    ("after_import", "seen"), ("enabled", "on"),
                ])
            #expect(created.status == .seeOther || created.status == .found)
            let mailbox = try #require(try await Mailbox.query(on: app.db).first())
            let test = try await browser.post("/admin/mail/mailboxes/\(try mailbox.requireID)/test")
            #expect(test.body.contains("connection works"))
            #expect(test.body.contains("signed in as \(dovecot.user)"))
            let missingFolder = try await browser.post(
                "/admin/mail/mailboxes",
                form: [
                    ("name", "Broken"), ("host", "127.0.0.1"), ("port", "99999"), ("security", "none"),
                    ("username", "x"), ("password", "y"), ("folder", "INBOX"), ("after_import", "move"),
                    ("move_to", ""),
                ])
            #expect(missingFolder.status == .unprocessableEntity)
            #expect(missingFolder.body.contains("mailbox-error"))

            let token = try await browser.post("/admin/mail/token")
            #expect(token.body.contains("rin_"))

            let (agentBrowser, _, _) = try await WorkspacePagesTests.signedIn(app, context, role: .agent)
            #expect(try await agentBrowser.get("/admin/mail").status == .forbidden)
            #expect(try await agentBrowser.post("/admin/mail/smtp/test").status == .forbidden)
        }
    }

    @Test("the ticket page folds the quoted history, names the Cc, and shows a bounce and a failed delivery")
    func ticketPage() async throws {
        try await withApp(.sqlite) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: try freeLoopbackPort())
            let raw = MailIntegrationTests.customerMail(
                messageID: "page.1@example.org",
                body: "It broke again.\n\nOn Mon, 30 Nov 2026, Helpdesk <help@helpdesk.test> wrote:\n> Try <b>this</b>."
            )
            let result = try await app.rapport.inboundMail.receive(Array(raw.utf8), on: app.db)
            let number = try #require(result.ticketID)
            let (browser, _, token) = try await WorkspacePagesTests.signedIn(app, context)
            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: token, json: ["kind": "reply", "body": "On it."])
            let row = try #require(try await OutboundMail.query(on: app.db).filter(\.$kind == .reply).first())
            row.status = .failed
            row.lastError = "the server refused every recipient: 550 5.1.1 mailbox unavailable"
            try await row.update(on: app.db)
            let address = try #require(
                try await CustomerEmail.query(on: app.db).filter(\.$normalized == "ada@example.org").first())
            address.bouncingSince = context.clock.now()
            address.bounceReason = "5.1.1 mailbox unavailable"
            try await address.update(on: app.db)

            let page = try await browser.get("/tickets/\(number)")
            #expect(page.status == .ok)
            #expect(page.body.contains("<details class=\"message-quoted\">"))
            #expect(page.body.contains("Try &lt;b&gt;this&lt;/b&gt;."), "quoted customer text is escaped")
            #expect(page.body.contains("Cc: charles@example.org"))
            #expect(page.body.contains("Not delivered to ada@example.org"))
            #expect(page.body.contains("Mail to ada@example.org bounces (5.1.1 mailbox unavailable)."))
        }
    }
}
