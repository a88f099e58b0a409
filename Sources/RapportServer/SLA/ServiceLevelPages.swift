import Fluent
import RapportCore
import Vapor

/// Admin → SLAs: business-hours calendars, SLA policies and how delay notices are handled.
struct ServiceLevelPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin", "sla").grouped(RequireAdminPageMiddleware())
        admin.get(use: overview)
        admin.post("settings", use: saveSettings)
        admin.get("calendars", "new", use: newCalendar)
        admin.post("calendars", use: createCalendar)
        admin.get("calendars", ":id", use: editCalendar)
        admin.post("calendars", ":id", use: updateCalendar)
        admin.post("calendars", ":id", "delete", use: deleteCalendar)
        admin.get("policies", "new", use: newPolicy)
        admin.post("policies", use: createPolicy)
        admin.get("policies", ":id", use: editPolicy)
        admin.post("policies", ":id", use: updatePolicy)
        admin.post("policies", ":id", "delete", use: deletePolicy)
    }

    // MARK: Overview and settings

    struct CalendarRow: Encodable {
        let id: Int
        let name: String
        let timeZone: String
        let hours: String
    }

    struct PolicyRow: Encodable {
        let id: Int
        let name: String
        let position: Int
        let enabled: Bool
        let calendar: String
        let covers: String
        let targets: String
    }

    struct OverviewContext: Encodable {
        let page: PageChrome
        let calendars: [CalendarRow]
        let policies: [PolicyRow]
        let hasCalendars: Bool
        let hasPolicies: Bool
        let modeOptions: [SelectOption]
        let settings: SLASettings
        let extensionHours: String
        let problems: [String]
        let hasProblems: Bool
    }

    func overview(req: Request) async throws -> Response {
        try await renderOverview(req, settings: try await SLASettings.load(on: req.db), problems: [])
    }

    private func renderOverview(_ req: Request, settings: SLASettings, problems: [String], status: HTTPStatus = .ok)
        async throws -> Response
    {
        let calendars = try await BusinessCalendarRecord.query(on: req.db).sort(\.$name).all()
        let names = Dictionary(uniqueKeysWithValues: calendars.compactMap { c in c.id.map { ($0, c.name) } })
        let policies = try await SLAPolicy.query(on: req.db).sort(\.$position).sort(\.$id).all()
        let coveredIDs = Array(Set(policies.flatMap(\.organizationIDList)))
        let organizationNames =
            coveredIDs.isEmpty
            ? [:]
            : Dictionary(
                uniqueKeysWithValues: try await Organization.query(on: req.db).filter(\.$id ~~ coveredIDs).all()
                    .compactMap { org in org.id.map { ($0, org.name) } })
        let context = OverviewContext(
            page: try req.chrome(title: "SLAs", section: "admin"),
            calendars: calendars.compactMap { record in
                record.id.map { id in
                    let week = zip(ServiceLevelAdmin.weekdayNames, record.weekDays).filter { !$0.1.isEmpty }.map {
                        "\($0.0.prefix(3)) \($0.1)"
                    }
                    return CalendarRow(
                        id: id, name: record.name, timeZone: record.timeZone, hours: week.joined(separator: " · "))
                }
            },
            policies: policies.compactMap { policy in
                policy.id.map { id in
                    PolicyRow(
                        id: id, name: policy.name, position: policy.position, enabled: policy.enabled,
                        calendar: policy.calendarID.flatMap { names[$0] } ?? "Around the clock",
                        covers: Self.coverage(policy, organizationName: { organizationNames[$0] }),
                        targets: Self.targetSummary(policy.targetsByPriority))
                }
            },
            hasCalendars: !calendars.isEmpty, hasPolicies: !policies.isEmpty,
            modeOptions: SelectOption.choices(SLASettings.DelayNoticeMode.allCases, selected: settings.delayNoticeMode),
            settings: settings, extensionHours: Self.hours(settings.delayNoticeExtensionMinutes), problems: problems,
            hasProblems: !problems.isEmpty
        )
        return try await req.page("admin-sla", context, status: status)
    }

    struct SettingsForm: Decodable {
        var delayNoticeMode: String?
        var delayNoticePercent: String?
        var delayNoticeExtension: String?
        var delayNoticeText: String?

        enum CodingKeys: String, CodingKey {
            case delayNoticeMode = "delay_notice_mode"
            case delayNoticePercent = "delay_notice_percent"
            case delayNoticeExtension = "delay_notice_extension"
            case delayNoticeText = "delay_notice_text"
        }
    }

    func saveSettings(req: Request) async throws -> Response {
        let form = try req.content.decode(SettingsForm.self)
        var settings = try await SLASettings.load(on: req.db)
        settings.delayNoticeMode =
            form.delayNoticeMode.flatMap(SLASettings.DelayNoticeMode.init(rawValue:)) ?? settings.delayNoticeMode
        settings.delayNoticePercent =
            form.delayNoticePercent.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? -1
        settings.delayNoticeExtensionMinutes = form.delayNoticeExtension.flatMap(Self.minutes(fromHours:)) ?? -1
        settings.delayNoticeText = (form.delayNoticeText ?? "").withUnixLineEnds
        do {
            try await req.rapport.serviceLevels.saveSettings(settings, on: req.db)
            return req.redirect(to: "/admin/sla", notice: .slaSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderOverview(
                req, settings: settings, problems: FormErrorWording.lines(error), status: .unprocessableEntity)
        }
    }

    // MARK: Calendars

    struct DayField: Encodable {
        let key: String
        let label: String
        let value: String
    }

    struct CalendarContext: Encodable {
        let page: PageChrome
        let calendarID: Int?
        let name: String
        let timeZone: String
        let days: [DayField]
        let holidays: String
        let problems: [String]
        let hasProblems: Bool
    }

    func newCalendar(req: Request) async throws -> Response {
        let office = ["09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "", ""]
        return try await renderCalendar(
            req, id: nil, input: .init(name: "", timeZone: "UTC", week: office, holidays: ""), problems: [])
    }

    func editCalendar(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Calendar")
        let record = try await BusinessCalendarRecord.find(id, orNotFound: "Calendar", on: req.db)
        return try await renderCalendar(
            req, id: id,
            input: .init(
                name: record.name, timeZone: record.timeZone, week: record.weekDays, holidays: record.holidays),
            problems: [])
    }

    func createCalendar(req: Request) async throws -> Response { try await saveCalendar(req, id: nil) }
    func updateCalendar(req: Request) async throws -> Response {
        try await saveCalendar(req, id: try req.idParameter("id", naming: "Calendar"))
    }

    private func saveCalendar(_ req: Request, id: Int?) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let input = ServiceLevelAdmin.CalendarInput(
            name: form["name"] ?? "", timeZone: form["time_zone"] ?? "",
            week: ServiceLevelAdmin.weekdayNames.map { form[$0.lowercased()] ?? "" }, holidays: form["holidays"] ?? ""
        )
        do {
            try await req.rapport.serviceLevels.saveCalendar(id: id, input, on: req.db)
            return req.redirect(to: "/admin/sla", notice: .slaSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderCalendar(
                req, id: id, input: input, problems: FormErrorWording.lines(error), status: .unprocessableEntity)
        }
    }

    func deleteCalendar(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Calendar")
        do {
            try await req.rapport.serviceLevels.deleteCalendar(id: id, on: req.db)
            return req.redirect(to: "/admin/sla", notice: .slaSaved)
        } catch let error as RapportError where error.status == .conflict {
            return try await renderOverview(
                req, settings: try await SLASettings.load(on: req.db), problems: [error.reason], status: .conflict)
        }
    }

    private func renderCalendar(
        _ req: Request, id: Int?, input: ServiceLevelAdmin.CalendarInput, problems: [String], status: HTTPStatus = .ok
    ) async throws -> Response {
        let context = CalendarContext(
            page: try req.chrome(title: id == nil ? "New calendar" : "Edit calendar", section: "admin"), calendarID: id,
            name: input.name, timeZone: input.timeZone,
            days: ServiceLevelAdmin.weekdayNames.enumerated().map { index, name in
                DayField(key: name.lowercased(), label: name, value: index < input.week.count ? input.week[index] : "")
            },
            holidays: input.holidays, problems: problems, hasProblems: !problems.isEmpty
        )
        return try await req.page("admin-calendar", context, status: status)
    }

    // MARK: Policies

    struct TargetRow: Encodable {
        let priority: String
        let label: String
        let firstResponse: String
        let nextResponse: String
        let resolution: String
    }

    struct OrganizationChoice: Encodable {
        let id: Int
        let name: String
        let domain: String?
        let selected: Bool
    }

    struct PolicyContext: Encodable {
        let page: PageChrome
        let policyID: Int?
        let form: [String: String]
        let enabled: Bool
        let raisesPriority: Bool
        let calendarOptions: [SelectOption]
        let agentOptions: [SelectOption]
        /// Every organization, ticked when the policy covers it.
        let organizationChoices: [OrganizationChoice]
        let hasOrganizations: Bool
        let targets: [TargetRow]
        let problems: [String]
        let hasProblems: Bool
    }

    func newPolicy(req: Request) async throws -> Response {
        let form = [
            "name": "", "position": "10", "escalation_percent": "75", "enabled": "true",
            "normal_first": "8", "normal_next": "8", "normal_resolution": "40", "high_first": "4", "high_next": "4",
            "high_resolution": "16",
            "urgent_first": "1", "urgent_next": "1", "urgent_resolution": "8", "low_first": "16", "low_next": "16",
            "low_resolution": "80",
        ]
        return try await renderPolicy(req, id: nil, form: form, problems: [])
    }

    func editPolicy(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "SLA policy")
        let policy = try await SLAPolicy.find(id, orNotFound: "SLA policy", on: req.db)
        var form = [
            "name": policy.name, "position": String(policy.position),
            "escalation_percent": String(policy.escalationPercent),
            "calendar_id": policy.calendarID.map(String.init) ?? "", "customer_tier": policy.customerTier ?? "",

            "escalate_to_agent_id": policy.escalateToAgentID.map(String.init) ?? "",
        ]
        if policy.enabled { form["enabled"] = "true" }
        if policy.escalateRaisesPriority { form["raise_priority"] = "true" }
        for organization in policy.organizationIDList { form["organization_\(organization)"] = "true" }
        for (priority, targets) in policy.targetsByPriority {
            form["\(priority.rawValue)_first"] = targets.firstResponseMinutes.map(Self.hours) ?? ""
            form["\(priority.rawValue)_next"] = targets.nextResponseMinutes.map(Self.hours) ?? ""
            form["\(priority.rawValue)_resolution"] = targets.resolutionMinutes.map(Self.hours) ?? ""
        }
        return try await renderPolicy(req, id: id, form: form, problems: [])
    }

    func createPolicy(req: Request) async throws -> Response { try await savePolicy(req, id: nil) }
    func updatePolicy(req: Request) async throws -> Response {
        try await savePolicy(req, id: try req.idParameter("id", naming: "SLA policy"))
    }

    func deletePolicy(req: Request) async throws -> Response {
        try await req.rapport.serviceLevels.deletePolicy(
            id: try req.idParameter("id", naming: "SLA policy"), on: req.db)
        return req.redirect(to: "/admin/sla", notice: .slaSaved)
    }

    private func savePolicy(_ req: Request, id: Int?) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var problems: [String] = []
        func number(_ key: String) -> Int? {
            let raw = (form[key] ?? "").trimmingCharacters(in: .whitespaces)
            if raw.isEmpty { return nil }
            guard let value = Int(raw) else {
                problems.append(
                    "\(key.replacingOccurrences(of: "_", with: " ").capitalized): '\(raw.prefix(20))' is not a number.")
                return nil
            }
            return value
        }
        var targets: [TicketPriority: SLATargets] = [:]
        for priority in TicketPriority.allCases {
            func target(_ suffix: String) -> Int? {
                let raw = (form["\(priority.rawValue)_\(suffix)"] ?? "").trimmingCharacters(in: .whitespaces)
                if raw.isEmpty { return nil }
                guard let minutes = Self.minutes(fromHours: raw) else {
                    problems.append(
                        "\(priority.label) targets: '\(raw.prefix(20))' is not a number of hours (like 4 or 0.5).")
                    return nil
                }
                return minutes
            }
            targets[priority] = SLATargets(
                firstResponseMinutes: target("first"), nextResponseMinutes: target("next"),
                resolutionMinutes: target("resolution"))
        }
        // The picker sends one `organization_<id>` per ticked organization.
        let organizations = form.compactMap { key, value -> Int? in
            guard value == "true", key.hasPrefix("organization_"), let id = Int(key.dropFirst("organization_".count))
            else { return nil }
            return id
        }.sorted()
        let input = ServiceLevelAdmin.PolicyInput(
            name: form["name"] ?? "", position: number("position") ?? 10, enabled: form["enabled"] == "true",
            calendarID: number("calendar_id"),
            organizationIDs: organizations, customerTier: form["customer_tier"], targets: targets,
            escalationPercent: number("escalation_percent") ?? 75, escalateToAgentID: number("escalate_to_agent_id"),
            escalateRaisesPriority: form["raise_priority"] == "true"
        )
        guard problems.isEmpty else {
            return try await renderPolicy(req, id: id, form: form, problems: problems, status: .unprocessableEntity)
        }
        do {
            try await req.rapport.serviceLevels.savePolicy(id: id, input, on: req.db)
            return req.redirect(to: "/admin/sla", notice: .slaSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderPolicy(
                req, id: id, form: form, problems: FormErrorWording.lines(error), status: .unprocessableEntity)
        }
    }

    private func renderPolicy(
        _ req: Request, id: Int?, form: [String: String], problems: [String], status: HTTPStatus = .ok
    ) async throws -> Response {
        let calendars = try await BusinessCalendarRecord.query(on: req.db).sort(\.$name).all()
        let agents = try await Agent.query(on: req.db).filter(\.$isActive == true).sort(\.$name).all()
        let organizations = try await Organization.query(on: req.db).sort(\.$name).all()
        let choices = organizations.compactMap { org in
            org.id.map {
                OrganizationChoice(
                    id: $0, name: org.name, domain: org.domain, selected: form["organization_\($0)"] == "true")
            }
        }
        let context = PolicyContext(
            page: try req.chrome(title: id == nil ? "New SLA policy" : "Edit SLA policy", section: "admin"),
            policyID: id, form: form,
            enabled: form["enabled"] == "true", raisesPriority: form["raise_priority"] == "true",
            calendarOptions: [
                SelectOption(value: "", label: "Around the clock (24/7)", selected: (form["calendar_id"] ?? "").isEmpty)
            ]
                + calendars.compactMap { c in
                    c.id.map {
                        SelectOption(
                            value: String($0), label: "\(c.name) (\(c.timeZone))",
                            selected: form["calendar_id"] == String($0))
                    }
                },
            agentOptions: [
                SelectOption(
                    value: "", label: "Nobody: keep the assignee",
                    selected: (form["escalate_to_agent_id"] ?? "").isEmpty)
            ]
                + agents.compactMap { a in
                    a.id.map {
                        SelectOption(
                            value: String($0), label: a.name, selected: form["escalate_to_agent_id"] == String($0))
                    }
                },
            organizationChoices: choices, hasOrganizations: !choices.isEmpty,
            targets: TicketPriority.allCases.reversed().map { priority in
                TargetRow(
                    priority: priority.rawValue, label: priority.label,
                    firstResponse: form["\(priority.rawValue)_first"] ?? "",
                    nextResponse: form["\(priority.rawValue)_next"] ?? "",
                    resolution: form["\(priority.rawValue)_resolution"] ?? "")
            },
            problems: problems, hasProblems: !problems.isEmpty
        )
        return try await req.page("admin-sla-policy", context, status: status)
    }

    // MARK: Wording

    static func hours(_ minutes: Int) -> String {
        minutes % 60 == 0 ? String(minutes / 60) : String(format: "%g", Double(minutes) / 60)
    }

    static func minutes(fromHours raw: String) -> Int? {
        guard let hours = Double(raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")),
            hours.isFinite, hours >= 0
        else { return nil }
        return Int((hours * 60).rounded())
    }

    static func coverage(_ policy: SLAPolicy, organizationName: (Int) -> String? = { _ in nil }) -> String {
        var parts: [String] = []
        let organizations = policy.organizationIDList
        if !organizations.isEmpty {
            parts.append(organizations.map { organizationName($0) ?? "organization \($0)" }.joined(separator: ", "))
        }
        if let tier = policy.customerTier { parts.append("tier \(tier)") }
        return parts.isEmpty ? "Everyone" : parts.joined(separator: ", ")
    }

    static func targetSummary(_ targets: [TicketPriority: SLATargets]) -> String {
        TicketPriority.allCases.reversed().compactMap { priority in
            guard let target = targets[priority], !target.isEmpty else { return nil }
            let first = target.firstResponseMinutes.map { "first \(hours($0)) h" }
            let next = target.nextResponseMinutes.map { "next \(hours($0)) h" }
            let resolution = target.resolutionMinutes.map { "resolve \(hours($0)) h" }
            return "\(priority.label): " + [first, next, resolution].compactMap { $0 }.joined(separator: ", ")
        }.joined(separator: " · ")
    }
}
