import Fluent
import Foundation
import RapportCore
import RapportMail
import Testing
import Vapor

@testable import RapportServer

/// An instant on the Berlin office's wall clock in December 2026 (7 December is a Monday).
private func berlin(_ day: Int, _ hour: Int, _ minute: Int = 0, month: Int = 12) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
    return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute))!
}

/// SLAs, escalations, delay notices and rules, end to end: the real ticket API, a controllable
/// clock, the jobs table and its runner, and an SMTP sink that receives what Rapport sends.
@Suite("Promptness: SLAs, escalations, delay notices and automations", .serialized)
struct PromptnessTests {
    struct Desk {
        let agent: (id: Int, token: String)
        let lead: (id: Int, token: String)
        let teamID: Int
    }

    /// A Berlin office calendar, a standard policy (4 h first and next response, 16 h resolution,
    /// escalate at 75 % and raise the priority), automatic delay notices, and a team with a lead.
    static func setUpDesk(_ app: Application, _ context: TestContext, sink: TestSMTPSink) async throws -> Desk {
        try await MailIntegrationTests.configure(app, dovecot: nil, smtpPort: sink.port)
        let agent = try await context.agent(name: "Sam Agent", email: "sam@desk.example")
        let lead = try await context.agent(name: "Lena Lead", email: "lena@desk.example")
        let teamID = try await app.rapport.teams.create(name: "Support", description: "", on: app.db)
        let team = try #require(try await Team.find(teamID, on: app.db))
        team.leadAgentID = lead.id
        try await team.update(on: app.db)

        let levels = app.rapport.serviceLevels
        let office = Array(repeating: "09:00-17:00", count: 5) + ["", ""]
        let calendarID = try await levels.saveCalendar(
            id: nil,
            .init(
                name: "Berlin office", timeZone: "Europe/Berlin", week: office,
                holidays: "2026-12-24 Christmas Eve\n2026-12-25 Christmas Day"), on: app.db)
        try await levels.savePolicy(
            id: nil,
            .init(
                name: "Standard", position: 1, enabled: true, calendarID: calendarID, organizationIDs: [],
                customerTier: nil,
                targets: [
                    .normal: SLATargets(firstResponseMinutes: 240, nextResponseMinutes: 240, resolutionMinutes: 960),
                    .high: SLATargets(firstResponseMinutes: 240, nextResponseMinutes: 120, resolutionMinutes: 480),
                    .urgent: SLATargets(firstResponseMinutes: 240, nextResponseMinutes: 60, resolutionMinutes: 240),
                ],
                escalationPercent: 75, escalateToAgentID: nil, escalateRaisesPriority: true
            ), on: app.db)
        var settings = SLASettings()
        settings.delayNoticeMode = .send
        try await levels.saveSettings(settings, on: app.db)
        for kind in JobKind.repeating { try await app.rapport.jobs.ensureRepeating(kind, on: app.db) }
        return Desk(agent: agent, lead: lead, teamID: teamID)
    }

    /// Runs every due job, as the server's worker does between its naps, then sends what they
    /// queued (the outbox job itself waits for its next turn on the stopped clock).
    static func runJobs(_ app: Application) async throws {
        try await app.rapport.jobRunner(logger: app.logger).runDue(on: app.db)
        try await app.rapport.outboxSender(logger: app.logger).sendDue(on: app.db)
    }

    static func createTicket(
        _ context: TestContext, desk: Desk, subject: String = "The invoice total is wrong", body: String
    ) async throws -> Int {
        let created = try await context.api(
            .POST, "tickets", token: desk.agent.token,
            json: [
                "subject": subject, "requester": ["email": "ana@customer.example", "name": "Ana Lima"],
                "message": ["body": body, "author": "customer"], "channel": "email", "assignee_id": desk.agent.id,
                "team_id": desk.teamID,
            ])
        #expect(created.status == .created)
        return try #require(created["ticket"]?["number"] as? Int)
    }

    @Test(
        "A ticket nobody answers is escalated by email at 75 %, the customer is told in time with a new time, and the breach is recorded — each once",
        arguments: TestDatabase.allCases)
    func escalationNoticeBreach(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        // Monday 7 December, 08:30: before opening, so the clock starts at 09:00.
        try await withApp(database, clock: ManualWallClock(berlin(7, 8, 30))) { app, context in
            let desk = try await Self.setUpDesk(app, context, sink: sink)
            let number = try await Self.createTicket(
                context, desk: desk, body: "Hello, could you send me a copy of the November invoice? Thank you.")

            let listed = try await context.api(.GET, "tickets/\(number)", token: desk.agent.token)
            #expect((listed["ticket"]?["sla_due_at"] as? String).flatMap(RapportJSON.parseDate) == berlin(7, 13))

            // 11:55: 2 h 55 min used of 4 h, not yet 75 %.
            context.clock.set(berlin(7, 11, 55))
            try await Self.runJobs(app)
            #expect(try await AgentNotification.query(on: app.db).count() == 0)

            // 12:00: 75 %. The assignee and the team lead are told, in Rapport and by email; priority goes up.
            context.clock.set(berlin(7, 12, 0, month: 12).addingTimeInterval(30))
            try await Self.runJobs(app)
            let notified = try await AgentNotification.query(on: app.db).filter(\.$kind == "sla_escalation").all().map(
                \.agentID
            ).sorted()
            #expect(notified == [desk.agent.id, desk.lead.id].sorted())
            let escalated = try #require(try await Ticket.find(number, on: app.db))
            #expect(escalated.priority == .high)
            try await eventually("the escalation emails reach the sink") {
                sink.messages().filter { $0.subject?.contains("At risk") == true }.count == 2
            }
            let escalationMail = try #require(sink.messages().first { $0.subject?.contains("At risk") == true })
            #expect(escalationMail.subject?.contains("[#\(number)]") == true)
            #expect(escalationMail.text.contains("first response is due Monday 7 December, 13:00 (Europe/Berlin)"))
            #expect(Set(sink.envelopes().suffix(2).flatMap { $0 }) == ["sam@desk.example", "lena@desk.example"])

            // Running the check again changes nothing: escalation fired once.
            try await Self.runJobs(app)
            #expect(try await AgentNotification.query(on: app.db).filter(\.$kind == "sla_escalation").count() == 2)

            // 12:40: past 90 %, the customer gets the delay notice with a new time (13:00 + 4 business hours).
            context.clock.set(berlin(7, 12, 40))
            try await Self.runJobs(app)
            try await Self.runJobs(app)
            try await eventually("the delay notice reaches the customer") {
                sink.messages().contains { $0.to.first?.address == "ana@customer.example" }
            }
            let notice = try #require(sink.messages().first { $0.to.first?.address == "ana@customer.example" })
            #expect(notice.text.contains("Hi Ana,"))
            #expect(notice.text.contains("get back to you by Monday 7 December, 17:00 (Europe/Berlin)"))
            #expect(notice.headers["Auto-Submitted"] == "auto-generated")
            #expect(notice.subject == "Re: The invoice total is wrong [#\(number)]")
            // The notice is not the answer: the first-response clock keeps counting.
            let clock = try #require(
                try await TicketSLAClock.query(on: app.db).filter(\.$ticketID == number).filter(
                    \.$metric == .firstResponse
                ).first())
            #expect(clock.stoppedAt == nil)

            // 13:05: the target is missed, recorded once, and the ticket shows it.
            context.clock.set(berlin(7, 13, 5))
            try await Self.runJobs(app)
            try await Self.runJobs(app)
            let events = try await TicketEvent.query(on: app.db).filter(\.$ticketID == number).all().map(\.field)
            #expect(events.filter { $0 == "sla_escalated" }.count == 1)
            #expect(events.filter { $0 == "delay_notice" }.count == 1)
            #expect(events.filter { $0 == "sla_breached" }.count == 1)
            #expect(sink.messages().filter { $0.to.first?.address == "ana@customer.example" }.count == 1)

            let browser = WebClient(app: app)
            try await browser.signIn(email: "sam@desk.example")
            let page = try await browser.get("/tickets/\(number)")
            #expect(page.body.contains("id=\"sla-panel\""))
            #expect(page.body.contains("overdue by 5 min"))
            #expect(page.body.contains("sent the customer a delay notice with a new time"))
            #expect(page.body.contains("Automatic reply"))
            let inbox = try await browser.get("/inbox?view=at-risk")
            #expect(inbox.body.contains("/tickets/\(number)"))
            #expect(inbox.body.contains("sla-breached"))
            let notifications = try await browser.get("/notifications")
            #expect(notifications.body.contains("is at risk: its first response is due"))

            // The agent answers: the first-response clock stops (missed), the SLA panel says so.
            let reply = try await context.api(
                .POST, "tickets/\(number)/messages", token: desk.agent.token,
                json: [
                    "kind": "reply", "body": "Hello Ana, I am sorry for the wait. I have refunded the second charge.",
                    "status": "pending",
                ])
            #expect(reply.status == .created)
            let answered = try await browser.get("/tickets/\(number)")
            #expect(answered.body.contains("missed by 5 min"))
            #expect(try #require(try await Ticket.find(number, on: app.db)).slaDueAt == nil)
        }
    }

    @Test(
        "Draft delay notices wait for the agent, who sends an edited one from the ticket page",
        arguments: [TestDatabase.sqlite])
    func draftDelayNotice(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database, clock: ManualWallClock(berlin(7, 9))) { app, context in
            let desk = try await Self.setUpDesk(app, context, sink: sink)
            var settings = try await SLASettings.load(on: app.db)
            settings.delayNoticeMode = .draft
            try await app.rapport.serviceLevels.saveSettings(settings, on: app.db)
            let number = try await Self.createTicket(context, desk: desk, body: "Where is my order?")
            context.clock.set(berlin(7, 12, 40))
            try await Self.runJobs(app)
            let draft = try #require(try await DelayNotice.query(on: app.db).filter(\.$ticketID == number).first())
            #expect(draft.status == .draft)
            #expect(
                try await AgentNotification.query(on: app.db).filter(\.$kind == "delay_notice").all().map(\.agentID)
                    == [desk.agent.id])

            let browser = WebClient(app: app)
            try await browser.signIn(email: "sam@desk.example")
            let page = try await browser.get("/tickets/\(number)")
            #expect(page.body.contains("will be late: tell the customer?"))
            let sent = try await browser.post(
                "/tickets/\(number)/delay-notices/\(try draft.requireID)/send",
                form: [("body", "Hi Ana, we need a little longer: you will hear from us by 17:00 today.")])
            #expect(sent.status == .seeOther)
            try await Self.runJobs(app)
            try await eventually("the edited notice is sent") {
                sink.messages().contains { $0.text.contains("by 17:00 today") }
            }
            #expect(try await DelayNotice.find(draft.requireID, on: app.db)?.status == .sent)
            // Sending again is refused: the notice is no longer a draft.
            let again = try await browser.post(
                "/tickets/\(number)/delay-notices/\(try draft.requireID)/send", form: [("body", "again")])
            #expect(again.status == .conflict)
        }
    }

    @Test(
        "A pending ticket gets one reminder after three days and is solved with a note after seven; a trigger rule routes new billing tickets",
        arguments: TestDatabase.allCases)
    func timeAndTriggerRules(database: TestDatabase) async throws {
        let sink = try TestSMTPSink()
        try await withApp(database, clock: ManualWallClock(berlin(7, 10))) { app, context in
            let desk = try await Self.setUpDesk(app, context, sink: sink)
            let levels = app.rapport.automationAdmin
            try await levels.saveRule(
                id: nil,
                .init(
                    name: "Remind after three days", enabled: true, position: 1,
                    definition: AutomationRuleDefinition(
                        trigger: .timeBased,
                        conditions: [
                            AutomationCondition(.status, .equals, "pending"),
                            AutomationCondition(.hoursInStatus, .atLeast, "72"),
                        ],
                        actions: [
                            AutomationAction(
                                .emailCustomer,
                                "Hi {{customer.first_name}}, did the refund for ticket {{ticket.number}} arrive? Just reply to let us know."
                            )
                        ]
                    )), on: app.db)
            try await levels.saveRule(
                id: nil,
                .init(
                    name: "Solve after a week", enabled: true, position: 2,
                    definition: AutomationRuleDefinition(
                        trigger: .timeBased,
                        conditions: [
                            AutomationCondition(.status, .equals, "pending"),
                            AutomationCondition(.hoursInStatus, .atLeast, "168"),
                        ],
                        actions: [
                            AutomationAction(.addNote, "Solved automatically after a week without an answer."),
                            AutomationAction(.setStatus, "solved"),
                        ]
                    )), on: app.db)
            try await levels.saveRule(
                id: nil,
                .init(
                    name: "Billing to the billing tag", enabled: true, position: 1,
                    definition: AutomationRuleDefinition(
                        trigger: .ticketCreated,
                        conditions: [AutomationCondition(.text, .contains, "invoice")],
                        actions: [AutomationAction(.addTag, "billing"), AutomationAction(.setPriority, "high")]
                    )), on: app.db)

            // The trigger rule acts on the new ticket through its job.
            let number = try await Self.createTicket(
                context, desk: desk, body: "The invoice lists a plan I never ordered.")
            try await Self.runJobs(app)
            let tags = try await TicketTag.query(on: app.db).filter(\.$ticketID == number).all().map(\.tag)
            #expect(tags == ["billing"])
            #expect(try await Ticket.find(number, on: app.db)?.priority == .high)
            let other = try await Self.createTicket(context, desk: desk, subject: "Login", body: "I cannot sign in.")
            try await Self.runJobs(app)
            #expect(try await TicketTag.query(on: app.db).filter(\.$ticketID == other).count() == 0)

            // The editor's preview finds the open ticket the billing rule would match.
            let preview = try await app.rapport.automations(logger: app.logger).preview(
                AutomationRuleDefinition(
                    trigger: .ticketCreated, conditions: [AutomationCondition(.tag, .equals, "billing")],
                    actions: [AutomationAction(.addNote, "x")]), on: app.db)
            #expect(preview.matched.map(\.ticketID) == [number])

            // The agent answers and waits for the customer.
            _ = try await context.api(
                .POST, "tickets/\(number)/messages", token: desk.agent.token,
                json: [
                    "kind": "reply", "body": "Hello Ana, I have refunded it. Could you confirm it arrived?",
                    "status": "pending",
                ])
            try await Self.runJobs(app)
            func reminders() -> Int { sink.messages().filter { $0.text.contains("did the refund") }.count }

            context.clock.advance(by: 71 * 3600)
            try await Self.runJobs(app)
            #expect(reminders() == 0)

            context.clock.advance(by: 2 * 3600)
            try await Self.runJobs(app)
            try await Self.runJobs(app)
            try await eventually("the reminder reaches the customer") {
                sink.messages().contains { $0.text.contains("did the refund for ticket \(number) arrive?") }
            }
            #expect(try await Ticket.find(number, on: app.db)?.status == .pending)

            // Later runs do not remind again.
            context.clock.advance(by: 24 * 3600)
            try await Self.runJobs(app)
            try await Self.runJobs(app)
            #expect(reminders() == 1)

            // A week after going pending: a note, then solved.
            context.clock.advance(by: 80 * 3600)
            try await Self.runJobs(app)
            let solved = try #require(try await Ticket.find(number, on: app.db))
            #expect(solved.status == .solved)
            let notes = try await Message.query(on: app.db).filter(\.$ticketID == number).filter(\.$kind == .note).all()
                .map(\.body)
            #expect(notes == ["Solved automatically after a week without an answer."])
            #expect(try await AutomationFiring.query(on: app.db).count() == 2)
        }
    }

    @Test(
        "A job claimed by a worker that died runs again once its claim expires, completes once, and the dead worker cannot finish it",
        arguments: TestDatabase.allCases)
    func jobSurvivesCrash(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let queue = app.rapport.jobs
            let handler = JobHandler.transactional { job, tx in
                try await WorkspaceSetting.store(
                    ["job": job.id ?? 0], key: "effect-\(job.id ?? 0)", now: Date(), on: tx.db)
            }
            let failing = JobHandler.transactional { job, tx in
                try await WorkspaceSetting.store(
                    ["job": job.id ?? 0], key: "half-done-\(job.id ?? 0)", now: Date(), on: tx.db)
                throw RapportError.badRequest("the remote side hung up")
            }
            var runner = JobRunner(
                queue: queue, handlers: [JobKind.automationTrigger.rawValue: handler], logger: app.logger)
            try await app.db.write { tx in
                try await queue.enqueue(.automationTrigger, payload: ["ticket_id": 1], in: tx)
            }

            // A worker claims the job and dies before finishing.
            let abandoned = try #require(try await queue.claimNext(on: app.db))
            let jobID = try abandoned.requireID
            #expect(try await runner.runDue(on: app.db) == 0)  // claimed: nobody else runs it meanwhile

            context.clock.advance(by: queue.lease + 1)
            #expect(try await runner.runDue(on: app.db) == 1)
            let finished = try #require(try await Job.find(jobID, on: app.db))
            #expect(finished.status == .done)
            #expect(finished.attempts == 2)
            #expect(try await WorkspaceSetting.find("effect-\(jobID)", on: app.db) != nil)
            // The dead worker wakes up: its claim is gone, so it cannot complete the job again.
            #expect(try await queue.finish(abandoned, repeatAfter: nil, on: app.db) == false)
            #expect(try await runner.runDue(on: app.db) == 0)

            // A run that fails half way leaves nothing behind and is retried later.
            runner = JobRunner(
                queue: queue, handlers: [JobKind.automationTrigger.rawValue: failing], logger: app.logger)
            try await app.db.write { tx in
                try await queue.enqueue(.automationTrigger, payload: ["ticket_id": 2], in: tx)
            }
            #expect(try await runner.runDue(on: app.db) == 1)
            let retried = try #require(try await Job.query(on: app.db).filter(\.$id != jobID).first())
            #expect(retried.status == .queued)
            #expect(retried.lastError?.contains("hung up") == true)
            #expect(try await WorkspaceSetting.find("half-done-\(try retried.requireID)", on: app.db) == nil)
            #expect(retried.runAt > context.clock.now())
        }
    }
}
