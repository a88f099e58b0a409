import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// Admin pages choose agents, teams and organizations by name and read rules as sentences.
@Suite("Admin pages with pickers, not ids")
struct DayOneAdminTests {
    static func admin(_ app: Application, _ context: TestContext) async throws -> WebClient {
        let admin = try await context.admin()
        let web = WebClient(app: app)
        try await web.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
        return web
    }

    @Test(
        "a rule's team, assignee and organization are chosen from lists or by name, and the list reads it as a sentence",
        arguments: TestDatabase.allCases)
    func automationPickers(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let web = try await Self.admin(app, context)
            let billing = try await app.rapport.teams.create(name: "Billing", description: "", on: app.db)
            let acme = try await app.rapport.organizations.create(
                name: "Acme Corp", domain: "acme.example", notes: "", on: app.db)
            let sam = try await context.agent(name: "Sam Support")

            let empty = try await web.get("/admin/automations/new")
            #expect(!empty.body.contains("72"), "a new rule starts empty")
            #expect(
                empty.body.contains("/admin/automations/new?example=pending-reminder"), "examples are offered instead")
            let example = try await web.get("/admin/automations/new?example=pending-reminder")
            #expect(example.body.contains("value=\"72\""))
            #expect(
                empty.body.contains("data-value-template=\"condition:team\""),
                "the script swaps in the team list when the field changes")
            #expect(empty.body.contains("<option value=\"Acme Corp\">"), "organizations are searchable by name")

            let unknown = try await web.post(
                "/admin/automations",
                form: [
                    ("name", "Acme first"), ("trigger", "ticket_created"), ("enabled", "true"),
                    ("condition_field_0", "organization"), ("condition_op_0", "is"), ("condition_value_0", "Acme Crop"),
                    ("action_kind_0", "set_team"), ("action_value_0", String(billing)), ("intent", "save"),
                ])
            #expect(unknown.status == .unprocessableEntity)
            #expect(unknown.body.contains("nothing is called “Acme Crop”"))

            let saved = try await web.post(
                "/admin/automations",
                form: [
                    ("name", "Acme first"), ("trigger", "ticket_created"), ("enabled", "true"),
                    ("condition_field_0", "organization"), ("condition_op_0", "is"), ("condition_value_0", "acme corp"),
                    ("action_kind_0", "set_team"), ("action_value_0", String(billing)),
                    ("action_kind_1", "assign"), ("action_value_1", "Sam Support"), ("intent", "save"),
                ])
            #expect(saved.status == .seeOther, "\(saved.body.prefix(500))")
            let rule = try #require(try await AutomationRule.query(on: app.db).first())
            #expect(rule.definition.conditions.first?.value == String(acme))
            #expect(rule.definition.actions.map(\.value) == [String(billing), String(sam.id)])
            let list = try await web.get("/admin/automations")
            #expect(
                list.body.contains(
                    "If the customer is with Acme Corp: move it to Billing, then assign it to Sam Support."))
            let edit = try await web.get("/admin/automations/\(try rule.requireID)")
            #expect(edit.body.contains("value=\"Acme Corp\""), "the organization is shown by its name")
            #expect(edit.body.contains("<option value=\"\(billing)\" selected>Billing</option>"))
        }
    }

    @Test("time rules read as waiting, and their preview says it looks at every ticket that is not closed")
    func timeRuleWording() async throws {
        try await withApp(.sqlite) { app, context in
            let web = try await Self.admin(app, context)
            let preview = try await web.post(
                "/admin/automations",
                form: [
                    ("name", "Remind"), ("trigger", "time_based"), ("enabled", "true"),
                    ("condition_field_0", "status"), ("condition_op_0", "is"), ("condition_value_0", "pending"),
                    ("condition_field_1", "hours_in_status"), ("condition_op_1", "at_least"),
                    ("condition_value_1", "72"),
                    ("action_kind_0", "email_customer"), ("action_value_0", "Hi {{customer.first_name}}, any news?"),
                    ("intent", "preview"),
                ])
            #expect(preview.body.contains("most recently updated tickets that are not closed"))
            let sentence = AutomationSentence(
                agentName: { _ in nil }, teamName: { _ in nil }, organizationName: { _ in nil })
            let definition = AutomationRuleDefinition(
                trigger: .timeBased,
                conditions: [
                    AutomationCondition(.status, .equals, "pending"),
                    AutomationCondition(.hoursInStatus, .atLeast, "72"),
                ], actions: [AutomationAction(.emailCustomer, "x"), AutomationAction(.setStatus, "solved")])
            #expect(
                sentence.describe(definition)
                    == "If the status is Pending and it has been waiting in its status for at least 72 hours: email the customer, then set the status to Solved."
            )
        }
    }

    @Test(
        "an SLA policy covers organizations ticked in a searchable list, and the overview names them",
        arguments: TestDatabase.allCases)
    func slaOrganizationPicker(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let web = try await Self.admin(app, context)
            let acme = try await app.rapport.organizations.create(
                name: "Acme Corp", domain: "acme.example", notes: "", on: app.db)
            let globex = try await app.rapport.organizations.create(name: "Globex", domain: nil, notes: "", on: app.db)
            let page = try await web.get("/admin/sla/policies/new")
            #expect(page.body.contains("data-picker-filter"))
            #expect(page.body.contains("name=\"organization_\(acme)\""))
            #expect(!page.body.contains("Organization ids"))
            let saved = try await web.post(
                "/admin/sla/policies",
                form: [
                    ("name", "Key accounts"), ("position", "1"), ("enabled", "true"), ("escalation_percent", "75"),
                    ("organization_\(acme)", "true"), ("organization_\(globex)", "true"), ("high_first", "2"),
                ])
            #expect(saved.status == .seeOther, "\(saved.body.prefix(400))")
            let policy = try #require(try await SLAPolicy.query(on: app.db).first())
            #expect(policy.organizationIDList.sorted() == [acme, globex].sorted())
            let overview = try await web.get("/admin/sla")
            #expect(overview.body.contains("Acme Corp, Globex") || overview.body.contains("Globex, Acme Corp"))
            let edit = try await web.get("/admin/sla/policies/\(try policy.requireID)")
            #expect(edit.body.contains("name=\"organization_\(acme)\" value=\"true\" checked"))
        }
    }
}
