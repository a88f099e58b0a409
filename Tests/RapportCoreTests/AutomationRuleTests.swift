import Foundation
import RapportCore
import Testing

@Suite("Automation rules")
struct AutomationRuleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func facts(
        status: TicketStatus = .pending, hoursInStatus: Double = 80, tags: [String] = ["billing"],
        email: String = "ana@acme.example",
        moods: Set<AutomationFacts.Mood> = []
    ) -> AutomationFacts {
        AutomationFacts(
            ticketID: 1, status: status, priority: .normal, channel: .email, teamID: 3, assigneeID: nil,
            organizationID: nil,
            tags: tags, subject: "Invoice is wrong", latestCustomerText: "I was charged twice for November",
            moods: moods,
            customerEmails: [email], updatedAt: now.addingTimeInterval(-3600),
            statusChangedAt: now.addingTimeInterval(-hoursInStatus * 3600),
            lastCustomerMessageAt: now.addingTimeInterval(-hoursInStatus * 3600), now: now)
    }

    @Test("A pending reminder matches after three days, once per pending period")
    func pendingReminder() {
        let rule = AutomationRuleDefinition(
            trigger: .timeBased,
            conditions: [
                AutomationCondition(.status, .equals, "pending"), AutomationCondition(.hoursInStatus, .atLeast, "72"),
            ],
            actions: [AutomationAction(.emailCustomer, "Hi {{customer.first_name}}, is there anything else you need?")])
        #expect(rule.problems.isEmpty)
        #expect(rule.matches(facts()))
        #expect(!rule.matches(facts(hoursInStatus: 71)))
        #expect(!rule.matches(facts(status: .open)))
        #expect(rule.anchor(for: facts()) == facts().statusChangedAt)
    }

    @Test("Conditions on text, tags, customer domain, priority and mood")
    func conditions() {
        let billingAtAcme = AutomationRuleDefinition(
            trigger: .ticketCreated,
            conditions: [
                AutomationCondition(.text, .contains, "CHARGED TWICE"),
                AutomationCondition(.customerEmail, .equals, "@acme.example"),
                AutomationCondition(.tag, .notEquals, "vip"), AutomationCondition(.priority, .lessThan, "high"),
            ], actions: [AutomationAction(.setPriority, "high")])
        #expect(billingAtAcme.matches(facts()))
        #expect(!billingAtAcme.matches(facts(tags: ["vip"])))
        #expect(!billingAtAcme.matches(facts(email: "ana@other.example")))
        let upset = AutomationCondition(.mood, .equals, "upset")
        #expect(upset.holds(for: facts(moods: [.upset])))
        #expect(!upset.holds(for: facts()))
        #expect(AutomationCondition(.team, .equals, "3").holds(for: facts()))
        #expect(AutomationCondition(.assignee, .equals, "none").holds(for: facts()))
    }

    @Test("The editor is told what is wrong with a rule")
    func problems() {
        let rule = AutomationRuleDefinition(
            trigger: .timeBased,
            conditions: [
                AutomationCondition(.status, .contains, "pen"), AutomationCondition(.priority, .equals, "critical"),
            ], actions: [AutomationAction(.setStatus, "new"), AutomationAction(.assign, "robin")])
        let problems = rule.problems
        #expect(problems.contains { $0.hasPrefix("Status: use") })
        #expect(problems.contains { $0.contains("'critical'") })
        #expect(problems.contains { $0.hasPrefix("Set status") })
        #expect(problems.contains { $0.hasPrefix("Assign") })
        #expect(problems.contains { $0.contains("time-based rule needs") })
        #expect(
            AutomationRuleDefinition(trigger: .ticketCreated, conditions: [], actions: []).problems == [
                "Add at least one action."
            ])
    }

    @Test("Time-based rules never touch closed tickets")
    func closedIgnored() {
        let rule = AutomationRuleDefinition(
            trigger: .timeBased, conditions: [AutomationCondition(.hoursSinceUpdate, .atLeast, "1")],
            actions: [AutomationAction(.addTag, "stale")])
        #expect(rule.matches(facts(status: .solved)))
        #expect(!rule.matches(facts(status: .closed)))
    }
}
