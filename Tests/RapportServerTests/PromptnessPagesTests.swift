import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// Admin → SLAs and Automations through their forms, as an admin uses them.
@Suite("SLA and automation admin pages")
struct PromptnessPagesTests {
    @Test(
        "An admin sets up a calendar, a policy and delay notices; bad input comes back with every reason and nothing saved",
        arguments: TestDatabase.allCases)
    func slaSetup(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let admin = try await ctx.admin()
            let browser = WebClient(app: app)
            try await browser.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)

            let refused = try await browser.post(
                "/admin/sla/calendars",
                form: [
                    ("name", "Office"), ("time_zone", "Mars/Base"), ("monday", "9-17"), ("tuesday", "17:00-09:00"),
                    ("holidays", "2026-13-01"),
                ])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("Tuesday: an opening period must start before it ends"))
            #expect(refused.body.contains("&#39;Mars/Base&#39; is not a time zone"))
            #expect(refused.body.contains("is not a holiday"))
            #expect(refused.body.contains("value=\"17:00-09:00\""), "the form keeps what was typed")
            #expect(try await BusinessCalendarRecord.query(on: app.db).count() == 0)

            let saved = try await browser.post(
                "/admin/sla/calendars",
                form: [
                    ("name", "Berlin office"), ("time_zone", "Europe/Berlin"), ("monday", "9-12 13:00-17:30"),
                    ("tuesday", "09:00-17:00"),
                    ("wednesday", "09:00-17:00"), ("thursday", "09:00-17:00"), ("friday", "09:00-13:00"),
                    ("holidays", "2026-12-25 Christmas Day"),
                ])
            #expect(saved.status == .seeOther)
            let calendar = try #require(try await BusinessCalendarRecord.query(on: app.db).first())
            #expect(calendar.weekDays.first == "09:00-12:00, 13:00-17:30")
            #expect(try calendar.calendar().holidays.map(\.name) == ["Christmas Day"])

            let badPolicy = try await browser.post(
                "/admin/sla/policies",
                form: [
                    ("name", "Standard"), ("calendar_id", String(try calendar.requireID)), ("normal_first", "four"),
                    ("escalation_percent", "75"),
                ])
            #expect(badPolicy.status == .unprocessableEntity)
            #expect(badPolicy.body.contains("is not a number of hours"))
            let noTargets = try await browser.post(
                "/admin/sla/policies", form: [("name", "Empty"), ("escalation_percent", "120"), ("enabled", "true")])
            #expect(noTargets.status == .unprocessableEntity)
            #expect(noTargets.body.contains("set at least one target"))
            #expect(noTargets.body.contains("must be between 1 and 99"))

            let policy = try await browser.post(
                "/admin/sla/policies",
                form: [
                    ("name", "Standard"), ("position", "1"), ("enabled", "true"),
                    ("calendar_id", String(try calendar.requireID)),
                    ("normal_first", "4"), ("normal_next", "8"), ("normal_resolution", "40"), ("urgent_first", "0.5"),
                    ("escalation_percent", "80"),
                    ("raise_priority", "true"),
                ])
            #expect(policy.status == .seeOther)
            let stored = try #require(try await SLAPolicy.query(on: app.db).first())
            #expect(stored.targetsByPriority[.urgent]?.firstResponseMinutes == 30)
            #expect(
                stored.targetsByPriority[.normal]
                    == SLATargets(firstResponseMinutes: 240, nextResponseMinutes: 480, resolutionMinutes: 2400))
            #expect(stored.escalateRaisesPriority)
            let overview = try await browser.get("/admin/sla")
            #expect(overview.body.contains("Berlin office"))
            #expect(overview.body.contains("Urgent: first 0.5 h"))

            // A calendar in use cannot be deleted.
            let inUse = try await browser.post("/admin/sla/calendars/\(try calendar.requireID)/delete")
            #expect(inUse.status == .conflict)
            #expect(inUse.body.contains("used by Standard"))

            let withoutTime = try await browser.post(
                "/admin/sla/settings",
                form: [
                    ("delay_notice_mode", "send"), ("delay_notice_percent", "90"), ("delay_notice_extension", "4"),
                    ("delay_notice_text", "Sorry, we are late."),
                ])
            #expect(withoutTime.status == .unprocessableEntity)
            #expect(withoutTime.body.contains("must contain {{new_time}}"))
            let settings = try await browser.post(
                "/admin/sla/settings",
                form: [
                    ("delay_notice_mode", "send"), ("delay_notice_percent", "85"), ("delay_notice_extension", "2.5"),
                    ("delay_notice_text", "Hi {{customer.first_name}}, you will hear from us by {{new_time}}."),
                ])
            #expect(settings.status == .seeOther)
            let loaded = try await SLASettings.load(on: app.db)
            #expect(loaded.delayNoticeMode == .send)
            #expect(loaded.delayNoticeExtensionMinutes == 150)
        }
    }

    @Test(
        "An admin previews a rule against the open tickets, fixes what the editor points out, and saves it",
        arguments: [TestDatabase.sqlite])
    func ruleEditor(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let admin = try await ctx.admin()
            for subject in ["Refund for order 1001", "Refund please", "Cannot log in"] {
                _ = try await ctx.api(
                    .POST, "tickets", token: admin.token,
                    json: [
                        "subject": subject, "requester": ["email": "pat@example.org"],
                        "message": ["body": "Hello, see the subject."],
                    ])
            }
            let browser = WebClient(app: app)
            try await browser.signIn(email: try #require(try await Agent.find(admin.id, on: app.db)).email)
            let rule: [(String, String)] = [
                ("name", "Refunds to billing"), ("trigger", "ticket_created"), ("enabled", "true"), ("position", "1"),
                ("condition_field_0", "text"), ("condition_op_0", "contains"), ("condition_value_0", "refund"),
                ("action_kind_0", "add_tag"), ("action_value_0", "billing"),
            ]
            let preview = try await browser.post("/admin/automations", form: rule + [("intent", "preview")])
            #expect(preview.status == .ok)
            #expect(
                preview.body.contains(
                    "2 of the 3 most recently updated tickets that are new, open or pending would be affected"))
            #expect(preview.body.contains("Refund please"))
            #expect(!preview.body.contains("Cannot log in</a>"))
            #expect(try await AutomationRule.query(on: app.db).count() == 0, "a preview saves nothing")

            let broken = try await browser.post(
                "/admin/automations",
                form: [
                    ("name", "Broken"), ("trigger", "time_based"),
                    ("action_kind_0", "set_status"), ("action_value_0", "new"), ("intent", "save"),
                ])
            #expect(broken.status == .unprocessableEntity)
            #expect(broken.body.contains("Set status: use open, pending, solved or closed"))
            #expect(broken.body.contains("time-based rule needs"))

            let saved = try await browser.post("/admin/automations", form: rule + [("intent", "save")])
            #expect(saved.status == .seeOther)
            let list = try await browser.get("/admin/automations")
            #expect(list.body.contains("Refunds to billing"))
            #expect(list.body.contains("contains “refund”: add the tag billing."), "the rule reads as a sentence")
        }
    }
}
