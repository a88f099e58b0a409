import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// What agents do in the workspace, checked over HTTP: views and counts, sorting and paging,
/// bulk changes, the composer, macros, attachments, customers and admin pages.
@Suite("Workspace pages")
struct WorkspacePagesTests {
    /// Signs an admin in and returns their browser.
    static func signedIn(_ app: Application, _ ctx: TestContext, role: AgentRole = .admin) async throws -> (
        browser: WebClient, agentID: Int, token: String
    ) {
        let (id, token) = try await ctx.agent(name: role == .admin ? "Alex Admin" : "Robin Agent", role: role)
        let agent = try #require(try await Agent.find(id, on: app.db))
        let browser = WebClient(app: app)
        try await browser.signIn(email: agent.email)
        return (browser, id, token)
    }

    static func rowNumbers(_ html: String) -> [Int] {
        html.matches(of: /name="ticket_ids\[\]" value="(\d+)"/).compactMap { Int($0.1) }
    }

    @Test("each view lists its tickets and the counts match", arguments: TestDatabase.allCases)
    func viewsAndCounts(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, me, token) = try await Self.signedIn(app, ctx)
            let (other, _) = try await ctx.agent(name: "Sam Support")
            let team = try await app.rapport.teams.create(name: "Billing", description: "", on: app.db)
            try await app.rapport.teams.addMember(agentID: me, toTeam: team, on: app.db)
            let mine = try await ctx.ticket(token: token, subject: "Mine", extra: ["assignee_id": me])
            let unassigned = try await ctx.ticket(token: token, subject: "Nobody's")
            let theirs = try await ctx.ticket(
                token: token, subject: "Sam's", extra: ["assignee_id": other, "team_id": team])
            let pending = try await ctx.ticket(
                token: token, subject: "Waiting on customer", extra: ["status": "pending"])
            let solved = try await ctx.ticket(token: token, subject: "Done", extra: ["status": "solved"])

            let expectations: [(InboxView, [Int])] = [
                (.mine, [mine]), (.unassigned, [unassigned]), (.team, [theirs]), (.open, [theirs, unassigned, mine]),
                (.pending, [pending]), (.solved, [solved]),
            ]
            for (view, numbers) in expectations {
                let page = try await browser.get("/inbox?view=\(view.rawValue)")
                #expect(page.status == .ok)
                #expect(Self.rowNumbers(page.body) == numbers, "\(view.rawValue)")
                #expect(
                    page.body.contains("data-count=\"\(view.rawValue)\">\(numbers.count)<"),
                    "the \(view.rawValue) count")
            }
            let counts = try await browser.get("/inbox/counts", headers: ["Accept": "application/json"])
            let json = try JSONSerialization.jsonObject(with: Data(counts.body.utf8)) as? [String: [String: Int]]
            #expect(
                json?["values"] == [
                    "mine": 1, "unassigned": 1, "team": 1, "open": 3, "pending": 1, "solved": 1, "at-risk": 0,
                    "notifications": 0,
                ])
            let empty = try await browser.get("/inbox?view=mine&priority=urgent")
            #expect(empty.body.contains("Clear"))
            #expect(Self.rowNumbers(empty.body).isEmpty)
        }
    }

    @Test("sorting, filtering and paging through more than a page", arguments: TestDatabase.allCases)
    func sortAndPage(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, _, token) = try await Self.signedIn(app, ctx)
            var created: [Int] = []
            for index in 0..<55 {
                ctx.clock.advance(by: 60)
                created.append(
                    try await ctx.ticket(
                        token: token, subject: "Question \(index)",
                        extra: index % 5 == 0 ? ["priority": "high", "tags": ["vip"]] : [:]))
            }
            let first = try await browser.get("/inbox?view=open")
            let firstRows = Self.rowNumbers(first.body)
            #expect(firstRows == Array(created.reversed().prefix(50)))
            let next = try #require(
                first.body.firstMatch(of: /href="([^"]+)" rel="next"/).map {
                    String($0.1).replacingOccurrences(of: "&amp;", with: "&")
                })
            let second = try await browser.get(next)
            #expect(Self.rowNumbers(second.body) == Array(created.reversed().dropFirst(50)))
            #expect(!second.body.contains("rel=\"next\""))
            #expect(second.body.contains("First page"))

            let oldest = try await browser.get("/inbox?view=open&sort=created-oldest")
            #expect(Self.rowNumbers(oldest.body).prefix(3) == created.prefix(3))
            let waiting = try await browser.get("/inbox?view=open&sort=waiting")
            #expect(
                Self.rowNumbers(waiting.body).first == created.first, "the customer who wrote first has waited longest")
            let high = try await browser.get("/inbox?view=open&priority=high")
            #expect(Self.rowNumbers(high.body).count == 11)
            let tagged = try await browser.get("/inbox?view=open&tag=vip")
            #expect(Self.rowNumbers(tagged.body).count == 11)
            // An agent's reply ends the wait.
            try await ctx.api(
                .POST, "tickets/\(created[0])/messages", token: token, json: ["body": "On it", "kind": "reply"])
            let afterReply = try await browser.get("/inbox?view=open&sort=waiting")
            #expect(Self.rowNumbers(afterReply.body).first == created[1])
            // Nonsense in the query falls back to the defaults instead of failing.
            let nonsense = try await browser.get(
                "/inbox?view=everything&sort=sideways&priority=max&team=abc&cursor=zzz")
            #expect(nonsense.status == .ok)
        }
    }

    @Test("bulk changes apply to the selected tickets and skip closed ones", arguments: TestDatabase.allCases)
    func bulkChanges(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, _, token) = try await Self.signedIn(app, ctx)
            let (sam, _) = try await ctx.agent(name: "Sam Support")
            let a = try await ctx.ticket(token: token, subject: "A")
            let b = try await ctx.ticket(token: token, subject: "B")
            let closed = try await ctx.ticket(token: token, subject: "C", extra: ["status": "solved"])
            try await ctx.api(.PATCH, "tickets/\(closed)", token: token, json: ["status": "closed"])
            let untouched = try await ctx.ticket(token: token, subject: "D")
            try await browser.get("/inbox?view=open")
            let done = try await browser.post(
                "/tickets/bulk",
                form: [
                    ("ticket_ids[]", String(a)), ("ticket_ids[]", String(b)), ("ticket_ids[]", String(closed)),
                    ("assignee", String(sam)), ("status", "pending"), ("add_tag", "billing"),
                    ("return_to", "/inbox?view=open"),
                ])
            #expect(done.status == .seeOther)
            #expect(done.location == "/inbox?view=open&notice=bulk-partly-updated")
            for number in [a, b] {
                let ticket = try #require(try await Ticket.find(number, on: app.db))
                #expect(ticket.assigneeID == sam)
                #expect(ticket.status == .pending)
                #expect(
                    try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag) == ["billing"])
            }
            #expect(try await Ticket.find(closed, on: app.db)?.assigneeID == nil)
            #expect(try await Ticket.find(untouched, on: app.db)?.status == .new)
            let nothing = try await browser.post(
                "/tickets/bulk", form: [("status", "solved"), ("return_to", "https://evil.example/")])
            #expect(nothing.location == "/inbox?notice=bulk-nothing-selected")
            let notice = try await browser.get("/inbox?notice=bulk-partly-updated")
            #expect(notice.body.contains("except closed ones"))
        }
    }

    @Test(
        "the composer: reply and set status, notes, a problem keeps the draft, files attach",
        arguments: TestDatabase.allCases)
    func composer(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, me, token) = try await Self.signedIn(app, ctx)
            let number = try await ctx.ticket(token: token)
            try await browser.get("/tickets/\(number)")
            let reply = try await browser.post(
                "/tickets/\(number)/messages",
                form: [("kind", "reply"), ("body", "Fixed it for you."), ("status", "solved")])
            #expect(reply.location == "/tickets/\(number)?notice=reply-sent")
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.status == .solved)
            #expect(ticket.firstResponseAt != nil)

            let note = try await browser.post(
                "/tickets/\(number)/messages", form: [("kind", "note"), ("body", "Customer prefers phone calls.")])
            #expect(note.location == "/tickets/\(number)?notice=note-added")
            let page = try await browser.get("/tickets/\(number)?notice=note-added")
            #expect(page.body.contains("Your internal note was added."))
            #expect(page.body.contains("timeline-note"))
            #expect(page.body.contains("changed the status from New to Solved"))
            #expect(page.body.contains("Pat Customer"))

            let empty = try await browser.post(
                "/tickets/\(number)/messages", form: [("kind", "reply"), ("body", "   ")])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty.body.contains("The message must not be empty"))
            let badStatus = try await browser.post(
                "/tickets/\(number)/messages",
                form: [("kind", "note"), ("body", "Draft worth keeping"), ("status", "bogus")])
            #expect(badStatus.status == .unprocessableEntity)
            #expect(badStatus.body.contains(">Draft worth keeping</textarea>"), "the draft must survive an error")
            #expect(badStatus.body.contains("value=\"note\" checked"))

            let withFile = try await browser.postMultipart(
                "/tickets/\(number)/messages", fields: [("kind", "reply"), ("body", "Here is the manual.")],
                files: [("attachments[]", "manual <1>.txt", "text/plain", "Step 1: breathe.")])
            #expect(withFile.status == .seeOther, "\(withFile.body.prefix(300))")
            let withFilePage = try await browser.get("/tickets/\(number)")
            let link = try #require(
                withFilePage.body.firstMatch(of: /href="(\/attachments\/\d+)" download>manual &lt;1&gt;.txt</).map {
                    String($0.1)
                })
            let download = try await browser.get(link)
            #expect(download.status == .ok)
            #expect(download.body == "Step 1: breathe.")
            #expect(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(download.headers.first(name: .contentSecurityPolicy)?.contains("sandbox") == true)
            let messages = try await Message.query(on: app.db).filter(\.$ticketID == number).all()
            #expect(messages.filter { $0.authorAgentID == me }.count == 3)
        }
    }

    @Test(
        "side panel changes are recorded in the timeline; impossible ones are explained",
        arguments: TestDatabase.allCases)
    func properties(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, _, token) = try await Self.signedIn(app, ctx)
            let (sam, _) = try await ctx.agent(name: "Sam Support")
            let team = try await app.rapport.teams.create(name: "Hardware", description: "", on: app.db)
            let number = try await ctx.ticket(token: token)
            try await browser.get("/tickets/\(number)")
            let saved = try await browser.post(
                "/tickets/\(number)/properties",
                form: [
                    ("status", "open"), ("priority", "urgent"), ("assignee", String(sam)), ("team", String(team)),
                    ("tags", "heating, E4 warranty"),
                ])
            #expect(saved.location == "/tickets/\(number)?notice=ticket-updated")
            let page = try await browser.get("/tickets/\(number)")
            for text in [
                "assigned the ticket to Sam Support", "moved the ticket to Hardware",
                "changed the priority from Normal to Urgent", "added the tag warranty",
            ] {
                #expect(page.body.contains(text), "\(text)")
            }
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.priority == .urgent && ticket.assigneeID == sam && ticket.teamID == team)
            #expect(
                try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag).sorted() == [
                    "e4", "heating", "warranty",
                ])

            let badTag = try await browser.post("/tickets/\(number)/properties", form: [("tags", "no/slashes")])
            #expect(badTag.status == .unprocessableEntity)
            #expect(badTag.body.contains("is not a valid tag"))
            try await browser.post("/tickets/\(number)/properties", form: [("status", "solved")])
            try await browser.post("/tickets/\(number)/properties", form: [("status", "closed")])
            let closedPage = try await browser.get("/tickets/\(number)")
            #expect(closedPage.body.contains("This ticket is closed"))
            let reopen = try await browser.post("/tickets/\(number)/properties", form: [("status", "open")])
            #expect(reopen.status == .unprocessableEntity)
            #expect(reopen.body.contains("closed and can no longer change"))
        }
    }

    @Test(
        "macros: admins write them, agents insert them with placeholders filled and fields set",
        arguments: TestDatabase.allCases)
    func macros(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, me, token) = try await Self.signedIn(app, ctx)
            let team = try await app.rapport.teams.create(name: "Returns", description: "", on: app.db)
            try await browser.get("/admin/macros/new")
            let typo = try await browser.post(
                "/admin/macros", form: [("title", "Refund"), ("body", "Hi {{custmer.first_name}}")])
            #expect(typo.status == .unprocessableEntity)
            #expect(typo.body.contains("uses {{custmer.first_name}}, which is not a placeholder Rapport knows"))
            #expect(typo.body.contains("Hi {{custmer.first_name}}</textarea>"), "the text is kept for fixing")
            let saved = try await browser.post(
                "/admin/macros",
                form: [
                    ("title", "Refund"),
                    ("body", "Hi {{customer.first_name}}, ticket #{{ticket.number}} is refunded. {{agent.first_name}}"),
                    ("set_status", "pending"), ("set_priority", "high"), ("set_team", String(team)),
                    ("assign_to_user", "true"), ("add_tags", "refund"),
                ])
            #expect(saved.location == "/admin/macros?notice=macro-saved")
            let macro = try #require(try await Macro.query(on: app.db).first())
            let list = try await browser.get("/admin/macros")
            #expect(
                list.body.contains(
                    "Sets the status to Pending; sets the priority to High; moves the ticket to Returns; assigns the ticket to you; adds the tag refund"
                ))

            let number = try await ctx.ticket(token: token)
            // Without JavaScript: the page comes back with the composer filled in.
            let prefilled = try await browser.get("/tickets/\(number)?macro=\(macro.id!)")
            #expect(prefilled.body.contains("Hi Pat, ticket #\(number) is refunded. Alex</textarea>"))
            #expect(prefilled.body.contains("name=\"macro_id\" value=\"\(macro.id!)\""))
            #expect(prefilled.body.contains("<option value=\"pending\" selected>Send and set pending</option>"))
            // With JavaScript: the same text as JSON.
            let json = try await browser.get(
                "/tickets/\(number)/macros/\(macro.id!)", headers: ["Accept": "application/json"])
            let applied = try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any]
            #expect(applied?["body"] as? String == "Hi Pat, ticket #\(number) is refunded. Alex")
            #expect(applied?["set_status"] as? String == "pending")

            let sent = try await browser.post(
                "/tickets/\(number)/messages",
                form: [
                    ("kind", "reply"), ("body", "Hi Pat, ticket #\(number) is refunded. Alex"), ("status", "pending"),
                    ("macro_id", String(macro.id!)),
                ])
            #expect(sent.status == .seeOther)
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(
                ticket.status == .pending && ticket.priority == .high && ticket.teamID == team
                    && ticket.assigneeID == me)
            #expect(try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag) == ["refund"])

            try await browser.get("/admin/macros")
            let deleted = try await browser.post("/admin/macros/\(macro.id!)/delete")
            #expect(deleted.location == "/admin/macros?notice=macro-deleted")
            #expect(try await Macro.query(on: app.db).count() == 0)
        }
    }

    @Test("customers and organizations: find, open, edit, create", arguments: TestDatabase.allCases)
    func customersAndOrganizations(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (browser, _, token) = try await Self.signedIn(app, ctx)
            let number = try await ctx.ticket(token: token, email: "pat@acme.example", name: "Pat Customer")
            _ = try await ctx.ticket(token: token, subject: "Another", email: "lee@other.example", name: "Lee Other")
            let customerID = try #require(try await Ticket.find(number, on: app.db)).requesterID

            let found = try await browser.get("/customers?q=pat")
            #expect(found.body.contains("Pat Customer"))
            #expect(!found.body.contains("Lee Other"))
            let profile = try await browser.get("/customers/\(customerID)")
            #expect(profile.body.contains("Heating will not turn on"))
            #expect(profile.body.contains("(1 open)"))

            try await browser.get("/organizations")
            let org = try await browser.post("/organizations", form: [("name", "Acme"), ("domain", "acme.example")])
            let orgPath = try #require(org.location).replacingOccurrences(of: "?notice=organization-saved", with: "")
            let orgID = try #require(Int(orgPath.split(separator: "/").last ?? ""))
            try await browser.get("/customers/\(customerID)")
            let edited = try await browser.post(
                "/customers/\(customerID)",
                form: [
                    ("name", "Pat Q. Customer"), ("emails", "pat@acme.example\npat.home@example.net"),
                    ("phone", "+44 20 7946 0000"),
                    ("organization", String(orgID)), ("notes", "Prefers mornings"),
                ])
            #expect(edited.location == "/customers/\(customerID)?notice=customer-saved")
            let customer = try #require(try await Customer.find(customerID, on: app.db))
            #expect(
                customer.name == "Pat Q. Customer" && customer.organizationID == orgID
                    && customer.phone == "+44 20 7946 0000")
            let orgPage = try await browser.get("/organizations/\(orgID)")
            #expect(orgPage.body.contains("Pat Q. Customer"))
            #expect(orgPage.body.contains("Heating will not turn on"))

            let clash = try await browser.post(
                "/customers/\(customerID)", form: [("name", "Pat"), ("emails", "lee@other.example")])
            #expect(clash.status == .unprocessableEntity || clash.status == .conflict)
            #expect(clash.body.contains("lee@other.example"), "the submitted addresses are kept in the form")
            let added = try await browser.post(
                "/customers", form: [("name", "Walk In"), ("email", "walk.in@example.com")])
            #expect(added.location?.hasPrefix("/customers/") == true)
        }
    }

    @Test("a phone call logged as a new ticket")
    func newTicket() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (browser, me, _) = try await Self.signedIn(app, ctx)
            try await browser.get("/tickets/new")
            let missing = try await browser.post(
                "/tickets/new",
                form: [("requester_email", "caller@example.com"), ("subject", ""), ("body", "Called about delivery")])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.body.contains("Called about delivery</textarea>"))
            let created = try await browser.post(
                "/tickets/new",
                form: [
                    ("requester_email", "caller@example.com"), ("requester_name", "Cal Caller"),
                    ("subject", "Delivery date"),
                    ("body", "Called to ask when the order arrives."), ("channel", "phone"), ("priority", "normal"),
                    ("status", "pending"),
                ])
            let number = try #require(
                created.location.flatMap { Int($0.split(separator: "/").last?.split(separator: "?").first ?? "") })
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.channel == .phone && ticket.status == .pending && ticket.assigneeID == me)
            #expect(try await Customer.find(ticket.requesterID, on: app.db)?.name == "Cal Caller")
        }
    }

    @Test("admin: create an agent who can sign in, build a team, change a role")
    func adminAgentsAndTeams() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (browser, me, _) = try await Self.signedIn(app, ctx)
            try await browser.get("/admin/agents")
            let invalid = try await browser.post(
                "/admin/agents", form: [("name", "Jo New"), ("email", "not an address"), ("role", "agent")])
            #expect(invalid.status == .unprocessableEntity)
            // Without outgoing mail the invitation link is shown to the admin to pass on.
            let invited = try await browser.post(
                "/admin/agents", form: [("name", "Jo New"), ("email", "jo@desk.example"), ("role", "agent")])
            #expect(invited.status == .ok)
            let link = try #require(
                invited.body.firstMatch(of: /\/welcome\?token=(rinv_[A-Za-z0-9_-]+)/).map { String($0.1) })
            let jo = WebClient(app: app)
            try await jo.get("/welcome?token=\(link)")
            let chosen = try await jo.post(
                "/welcome",
                form: [
                    ("token", link), ("password", "a long enough password"),
                    ("password_confirmation", "a long enough password"),
                ], csrf: .none)
            #expect(chosen.location?.hasPrefix("/inbox") == true)
            try await jo.signOut()
            try await jo.signIn(email: "jo@desk.example", password: "a long enough password")
            let joID = try #require(try await Agent.query(on: app.db).filter(\.$email == "jo@desk.example").first()?.id)

            try await browser.get("/admin/teams")
            try await browser.post("/admin/teams", form: [("name", "Night shift")])
            let teamID = try #require(try await Team.query(on: app.db).first()?.id)
            try await browser.post("/admin/teams/\(teamID)/members", form: [("agent_id", String(joID))])
            #expect(try await TeamMembership.teamIDs(ofAgent: joID, on: app.db) == [teamID])
            let teams = try await browser.get("/admin/teams")
            #expect(teams.body.contains("Remove Jo New from Night shift"))
            try await browser.post("/admin/teams/\(teamID)/members/\(joID)/remove")
            #expect(try await TeamMembership.teamIDs(ofAgent: joID, on: app.db).isEmpty)

            try await browser.get("/admin/agents")
            try await browser.post("/admin/agents/\(joID)", form: [("role", "admin"), ("active", "true")])
            #expect(try await Agent.find(joID, on: app.db)?.role == .admin)
            let selfDeactivate = try await browser.post("/admin/agents/\(me)", form: [("role", "admin")])
            #expect(selfDeactivate.status == .unprocessableEntity || selfDeactivate.status == .conflict)
            #expect(try await Agent.find(me, on: app.db)?.isActive == true)
        }
    }
}
