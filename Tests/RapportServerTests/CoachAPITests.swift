import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// The coach over the API, moods scored as messages arrive, and findings kept with replies.
@Suite("Coach API and moods")
struct CoachAPITests {
    @Test("POST /coach/reply and /coach/inbound answer with findings and moods", arguments: TestDatabase.allCases)
    func endpoints(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let reply = try await ctx.api(
                .POST, "coach/reply", token: token,
                json: [
                    "draft": "No. We cannot refund that.", "customer_name": "Maria Lopez", "agent_name": "Sam Patel",
                    "customer_message": "Can I get a refund?", "customer_upset": true,
                ])
            #expect(reply.status == .ok)
            let rules = Set((reply.object["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String })
            #expect(
                rules.isSuperset(of: [
                    "missing-greeting", "missing-name", "missing-empathy", "negative-phrasing", "missing-closing",
                    "missing-ownership",
                ]))
            #expect((reply.object["score"] as? Int ?? 100) < 50)

            let inbound = try await ctx.api(
                .POST, "coach/inbound", token: token,
                json: ["message": "Third time asking!!! Where is my money? I'll take legal action."])
            #expect(inbound.object["upset"] as? Bool == true)
            #expect(inbound.object["churn_risk"] as? Bool == true)
            #expect(inbound.object["questions"] as? [String] == ["Where is my money?"])

            let missing = try await ctx.api(.POST, "coach/reply", token: token, json: ["draft": "Hi"])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.fields["customer_name"] != nil)
            let anonymous = try await ctx.api(.POST, "coach/inbound", token: nil, json: ["message": "Hi"])
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test(
        "an upset, urgent customer message raises the priority, flags the customer and shows a mood",
        arguments: TestDatabase.allCases)
    func moodOnArrival(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let calm = try await ctx.ticket(
                token: token, subject: "Question", body: "Hello, could you tell me how to export my invoices?")
            #expect(try await Ticket.find(calm, on: app.db)?.priority == .normal)
            let number = try await ctx.ticket(
                token: token, subject: "Charged twice",
                body:
                    "You charged me twice!!! This is unacceptable. Fix it today or I will cancel my account and dispute the charge with my bank."
            )
            let ticket = try #require(try await Ticket.find(number, on: app.db))
            #expect(ticket.priority == .urgent)
            let customer = try #require(try await Customer.find(ticket.requesterID, on: app.db))
            #expect(customer.churnRiskSince != nil)
            let detail = try await ctx.api(.GET, "tickets/\(number)", token: token)
            let mood = (detail.object["messages"] as? [[String: Any]])?.first?["mood"] as? [String: Any]
            #expect(mood?["upset"] as? Bool == true)
            #expect(mood?["urgent"] as? Bool == true)
            let events = try await ctx.api(.GET, "tickets/\(number)/events", token: token)
            #expect(
                events.array.contains {
                    $0["field"] as? String == "priority" && $0["after"] as? String == "urgent"
                        && ($0["actor"] as? [String: Any])?["kind"] as? String == "system"
                })

            // An agent's reply is coached as it is sent, and the findings are kept.
            try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token, json: ["body": "We cannot do anything about that."])
            let stored = try #require(
                try await Message.query(on: app.db).filter(\.$ticketID == number).filter(\.$authorKind == .agent)
                    .first())
            #expect((stored.coachScore ?? 100) < 60)
            let findings = try JSONDecoder().decode(
                [CoachFinding].self, from: Data((stored.coachFindings ?? "[]").utf8))
            #expect(
                findings.contains { $0.rule == "missing-empathy" },
                "the customer was upset, so the reply should have acknowledged it")
            #expect(findings.contains { $0.rule == "negative-phrasing" })
        }
    }

    @Test("the mood rule is configurable and never lowers a priority")
    func priorityRule() throws {
        let rule = try MoodPriorityRule(parsing: "upset=urgent,urgent=off")
        #expect(rule.whenUpset == .urgent && rule.whenUrgent == nil)
        let upset = InboundMood(sentiment: -0.8, upset: true, churnRisk: false, urgent: true, questions: [])
        #expect(rule.priority(after: upset, current: .low) == .urgent)
        #expect(MoodPriorityRule().priority(after: upset, current: .urgent) == .urgent)
        #expect(try MoodPriorityRule(parsing: "off").priority(after: upset, current: .low) == .low)
        #expect(throws: RapportMessageError.self) { try MoodPriorityRule(parsing: "upset=highest") }
    }

    @Test("the composer's coach answers for the ticket's customer, behind the session and CSRF")
    func composerCoach() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (browser, _, token) = try await WorkspacePagesTests.signedIn(app, ctx)
            let number = try await ctx.ticket(
                token: token, body: "My heating is broken and I'm really fed up. When will the engineer come?")
            try await browser.get("/tickets/\(number)")
            let csrf = try #require(browser.csrfToken)
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.add(name: "X-CSRF-Token", value: csrf)
            headers.add(name: .accept, value: "application/json")
            let answer = try await app.testing().sendRequest(
                .POST, "/tickets/\(number)/coach", headers: headers.merging(cookies: browser.cookies),
                body: ByteBuffer(string: #"{"draft": "I don't know."}"#))
            #expect(answer.status == .ok)
            let rules = Set(
                ((try JSONSerialization.jsonObject(with: Data(answer.body.string.utf8)) as? [String: Any])?["findings"]
                    as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String })
            #expect(
                rules.isSuperset(of: ["negative-phrasing", "missing-name", "missing-empathy", "unanswered-question"]),
                "\(rules)")
            var forged = headers
            forged.replaceOrAdd(name: "X-CSRF-Token", value: "wrong")
            let refused = try await app.testing().sendRequest(
                .POST, "/tickets/\(number)/coach", headers: forged.merging(cookies: browser.cookies),
                body: ByteBuffer(string: #"{"draft": "x"}"#))
            #expect(refused.status == .forbidden)
        }
    }
}

extension HTTPHeaders {
    func merging(cookies: [String: String]) -> HTTPHeaders {
        var headers = self
        headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        return headers
    }
}
