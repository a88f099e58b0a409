import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// The smaller things a lead found in the first hour, each as the user meets it.
@Suite("Smaller first-hour defects", .serialized)
struct DayOneSmallerTests {
    @Test("the macro editor says in a sentence which placeholder is unknown and keeps the tags typed")
    func macroPlaceholderError() async throws {
        try await withApp(.sqlite) { app, context in
            let admin = try await context.admin()
            let web = WebClient(app: app)
            try await web.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            try await web.get("/admin/macros/new")
            let refused = try await web.post(
                "/admin/macros",
                form: [
                    ("title", "Refund"), ("body", "Hi {{custmer.name}}, see {{ticket.nubmer}}."),
                    ("add_tags", "refund vip"),
                ])
            #expect(refused.status == .unprocessableEntity)
            #expect(
                refused.body.contains(
                    "uses {{custmer.name}} and {{ticket.nubmer}}, which are not placeholders Rapport knows"),
                "\(refused.body.prefix(2000))")
            #expect(refused.body.contains("name=\"add_tags\" value=\"refund vip\""), "the tags are still there")
            let saved = try await web.post(
                "/admin/macros",
                form: [("title", "Refund"), ("body", "Hi {{customer.first_name}}."), ("add_tags", "refund vip")])
            #expect(saved.status == .seeOther)
            let macro = try #require(try await Macro.query(on: app.db).first())
            let edit = try await web.get("/admin/macros/\(try macro.requireID)")
            #expect(
                edit.body.contains("value=\"refund vip\""),
                "editing a macro shows its tags, so saving it again keeps them")
        }
    }

    @Test("help-center search snippets show the article's words, not its Markdown", arguments: TestDatabase.allCases)
    func snippetsWithoutMarkdown(database: TestDatabase) async throws {
        try await withApp(database) { app, _ in
            _ = try await SelfServiceTests.article(
                app, title: "Signing in",
                body:
                    "## Reset **your** password\n\nOpen [the sign-in page](https://example.com/in) and choose *Forgot password*."
            )
            let visitor = try await SelfServiceTests.visitor(app)
            let results = try await visitor.get("/help/search?q=password")
            #expect(results.body.contains("Signing in"))
            let snippet = try #require(
                results.body.components(separatedBy: "class=\"snippet\">").dropFirst().first?.components(
                    separatedBy: "</p>"
                ).first)
            #expect(snippet.contains("password"))
            for markup in ["**", "##", "](", "*Forgot"] {
                #expect(!snippet.contains(markup), "the snippet shows \(markup): \(snippet)")
            }
        }
    }

    @Test(
        "help-center and portal error pages are in the help center's colours and lead back to it; every page has an icon"
    )
    func publicErrorPagesAndIcon() async throws {
        try await withApp(.sqlite) { app, _ in
            let visitor = try await SelfServiceTests.visitor(app)
            for path in ["/help/articles/no-such-article", "/help/nothing-here", "/portal/nothing-here"] {
                let page = try await visitor.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(page.body.contains("help-header"), "\(path) uses the help center's layout")
                #expect(page.body.contains("Back to the help center"), "\(path)")
                #expect(!page.body.contains("inbox"), "\(path) does not send customers to the agents' inbox")
            }
            let agentPage = try await visitor.get("/no-such-page")
            #expect(agentPage.body.contains("Back to the inbox"))
            let icon = try await visitor.download("/favicon.ico")
            #expect(icon.status == .ok)
            #expect(icon.headers.first(name: .contentType) == "image/x-icon")
            #expect(Array(icon.data.prefix(4)) == [0, 0, 1, 0], "a real icon file")
            #expect(try await visitor.get("/help").body.contains("<link rel=\"icon\" href=\"/favicon.ico\""))
        }
    }

    @Test("'Check now' right after the background check says the message was already imported, and where it went")
    func checkNowAfterBackgroundImport() async throws {
        let dovecot = try TestDovecot()
        try await withApp(.sqlite) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: dovecot, smtpPort: nil)
            let admin = try await context.admin()
            let web = WebClient(app: app)
            try await web.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            try dovecot.deliver(
                MailIntegrationTests.customerMail(messageID: "try.1@example.org", body: "Does the mailbox work?"))
            let background = try await app.rapport.mailboxPoller(logger: app.logger).pollAll(on: app.db)
            #expect(background.imported == 1)
            let ticket = try #require(try await Ticket.query(on: app.db).first()?.id)
            let mailbox = try #require(try await Mailbox.query(on: app.db).first())
            try await web.get("/admin/mail")
            let checked = try await web.post("/admin/mail/mailboxes/\(try mailbox.requireID)/check")
            #expect(checked.body.contains("imported 0 new messages"))
            #expect(
                checked.body.contains("the background check imported the last message"), "\(checked.body.prefix(3000))")
            #expect(checked.body.contains("ticket #\(ticket)"))
        }
    }

    @Test(
        "a stranger writing with another ticket's [#N] gets a ticket of their own whose acknowledgement carries one tag",
        arguments: TestDatabase.allCases)
    func strangerTagOnce(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database) { app, context in
            try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
            let agent = try await context.agent()
            let theirs = try await context.ticket(
                token: agent.token, subject: "Printer on fire", email: "owner@example.org")
            let raw = [
                "From: Stranger <stranger@elsewhere.example>", "To: \(MailIntegrationTests.support)",
                "Subject: Re: Printer on fire [#\(theirs)]",
                "Message-ID: <stranger.1@elsewhere.example>", "Date: Tue, 01 Dec 2026 10:00:00 +0000", "",
                "Is this about my printer too?",
            ].joined(separator: "\r\n")
            let result = try await app.rapport.inboundMail.receive(Array(raw.utf8), on: app.db)
            #expect(result.outcome == .created)
            let mine = try #require(result.ticketID)
            #expect(mine != theirs)
            #expect(try await Ticket.find(mine, on: app.db)?.subject == "Re: Printer on fire")
            _ = try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
            let acknowledgement = try #require(sink.messages().last)
            #expect(acknowledgement.subject?.hasSuffix("[#\(mine)]") == true, "\(acknowledgement.subject ?? "")")
            #expect(acknowledgement.subject?.contains("[#\(theirs)]") == false)
        }
    }
}
