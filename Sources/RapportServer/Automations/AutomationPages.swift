import Fluent
import RapportCore
import Vapor

/// Admin → Automations: trigger and time-based rules, with a preview of the open tickets a rule
/// would act on before it is saved.
struct AutomationPages: RouteCollection {
    static let conditionRows = 6
    static let actionRows = 5

    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin", "automations").grouped(RequireAdminPageMiddleware())
        admin.get(use: list)
        admin.get("new", use: newRule)
        admin.post(use: create)
        admin.get(":id", use: edit)
        admin.post(":id", use: update)
        admin.post(":id", "delete", use: delete)
    }

    struct RuleRow: Encodable {
        let id: Int
        let name: String
        let trigger: String
        let enabled: Bool
        let summary: String
        let fired: String
    }

    struct ListContext: Encodable {
        let page: PageChrome
        let rows: [RuleRow]
        let hasRows: Bool
    }

    func list(req: Request) async throws -> Response {
        let rules = try await AutomationRule.query(on: req.db).sort(\.$trigger).sort(\.$position).sort(\.$id).all()
        let names = try await RuleNames.load(
            directory: req.rapport.configuration.current(on: req.db).directory, on: req.db)
        let rows = rules.compactMap { rule in
            rule.id.map { id in
                RuleRow(
                    id: id, name: rule.name, trigger: rule.trigger.label, enabled: rule.enabled,
                    summary: names.sentence.describe(rule.definition),
                    fired: rule.firedCount == 0 ? "never" : rule.firedCount == 1 ? "once" : "\(rule.firedCount) times")
            }
        }
        return try await req.page(
            "admin-automations",
            ListContext(
                page: try req.chrome(title: "Automations", section: "admin"), rows: rows, hasRows: !rows.isEmpty))
    }

    // MARK: Editor

    /// The value of a condition or an action, as the field it belongs to asks for it: a list to
    /// choose from, an organization to search for by name, a line or a longer text.
    struct ValueControl: Encodable {
        /// "select", "organization", "text" or "textarea".
        let kind: String
        let options: [SelectOption]
        let text: String
        let rows: Int
    }

    struct ConditionRow: Encodable {
        let index: Int
        let fieldOptions: [SelectOption]
        let operatorOptions: [SelectOption]
        let control: ValueControl
    }

    struct ActionRow: Encodable {
        let index: Int
        let kindOptions: [SelectOption]
        let control: ValueControl
    }

    /// A control for one field, for the page script to put in a row when its field changes.
    struct ControlTemplate: Encodable {
        let key: String
        let control: ValueControl
    }

    /// An example to start a rule from.
    struct Example: Encodable {
        let key: String
        let title: String
    }

    struct PreviewRow: Encodable {
        let id: Int
        let subject: String
        let status: String
    }

    struct EditorContext: Encodable {
        let page: PageChrome
        let ruleID: Int?
        let name: String
        let position: String
        let enabled: Bool
        let triggerOptions: [SelectOption]
        let conditions: [ConditionRow]
        let actions: [ActionRow]
        let problems: [String]
        let hasProblems: Bool
        let showPreview: Bool
        let preview: [PreviewRow]
        let hasPreviewRows: Bool
        let previewSummary: String
        let templates: [ControlTemplate]
        let organizationNames: [String]
        let examples: [Example]
        let isNew: Bool
    }

    /// `GET /admin/automations/new` — an empty rule, or one of the examples (`?example=`).
    func newRule(req: Request) async throws -> Response {
        let example = req.queryString("example").flatMap { key in Self.examples.first { $0.key == key } }
        let definition =
            example?.definition ?? AutomationRuleDefinition(trigger: .ticketCreated, conditions: [], actions: [])
        return try await render(
            req, id: nil, name: example?.name ?? "", position: "10", enabled: true, definition: definition,
            problems: [], preview: nil)
    }

    static let examples: [(key: String, title: String, name: String, definition: AutomationRuleDefinition)] = [
        (
            "pending-reminder", "Remind a customer who has not answered in three days", "Remind after 3 days pending",
            AutomationRuleDefinition(
                trigger: .timeBased,
                conditions: [
                    AutomationCondition(.status, .equals, "pending"),
                    AutomationCondition(.hoursInStatus, .atLeast, "72"),
                ],
                actions: [
                    AutomationAction(
                        .emailCustomer,
                        "Hi {{customer.first_name}},\n\nwe have not heard back from you about “{{ticket.subject}}”. Is there anything else we can do? Just reply to this message.\n\n{{workspace.name}}"
                    )
                ])
        ),
        (
            "pending-solve", "Solve a ticket that has waited for the customer for a week", "Solve after 7 days pending",
            AutomationRuleDefinition(
                trigger: .timeBased,
                conditions: [
                    AutomationCondition(.status, .equals, "pending"),
                    AutomationCondition(.hoursInStatus, .atLeast, "168"),
                ],
                actions: [
                    AutomationAction(.setStatus, "solved"),
                    AutomationAction(.addNote, "Solved automatically: no answer from the customer for a week."),
                ])
        ),
        (
            "billing-tag", "Tag questions about invoices as billing", "Tag billing questions",
            AutomationRuleDefinition(
                trigger: .ticketCreated, conditions: [AutomationCondition(.text, .contains, "invoice")],
                actions: [AutomationAction(.addTag, "billing")])
        ),
        (
            "upset-priority", "Raise the priority when an upset customer writes", "Upset customers first",
            AutomationRuleDefinition(
                trigger: .customerReplied, conditions: [AutomationCondition(.mood, .equals, "upset")],
                actions: [AutomationAction(.setPriority, "high")])
        ),
    ]

    func edit(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Rule")
        let rule = try await AutomationRule.find(id, orNotFound: "Rule", on: req.db)
        return try await render(
            req, id: id, name: rule.name, position: String(rule.position), enabled: rule.enabled,
            definition: rule.definition, problems: [], preview: nil)
    }

    func create(req: Request) async throws -> Response { try await save(req, id: nil) }
    func update(req: Request) async throws -> Response {
        try await save(req, id: try req.idParameter("id", naming: "Rule"))
    }

    func delete(req: Request) async throws -> Response {
        try await req.rapport.automationAdmin.deleteRule(id: try req.idParameter("id", naming: "Rule"), on: req.db)
        return req.redirect(to: "/admin/automations", notice: .ruleDeleted)
    }

    private func save(_ req: Request, id: Int?) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let names = try await RuleNames.load(
            directory: req.rapport.configuration.current(on: req.db).directory, on: req.db)
        let (definition, naming) = Self.definition(from: form, names: names)
        let name = form["name"] ?? ""
        let position = form["position"] ?? "10"
        let enabled = form["enabled"] == "true"
        if form["intent"] == "preview" {
            let problems = naming + definition.problems
            let preview =
                problems.isEmpty
                ? try await req.rapport.automations(logger: req.logger).preview(definition, on: req.db) : nil
            return try await render(
                req, id: id, name: name, position: position, enabled: enabled, definition: definition,
                problems: problems, preview: preview)
        }
        guard naming.isEmpty else {
            return try await render(
                req, id: id, name: name, position: position, enabled: enabled, definition: definition,
                problems: naming + definition.problems, preview: nil, status: .unprocessableEntity)
        }
        do {
            try await req.rapport.automationAdmin.saveRule(
                id: id, .init(name: name, enabled: enabled, position: Int(position) ?? 10, definition: definition),
                on: req.db)
            return req.redirect(to: "/admin/automations", notice: .ruleSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, id: id, name: name, position: position, enabled: enabled, definition: definition,
                problems: FormErrorWording.lines(error), preview: nil, status: .unprocessableEntity)
        }
    }

    /// The rule a submitted form describes; rows left empty are ignored. Agents, teams and
    /// organizations may be given by name (the form sends ids from its lists, organizations by
    /// name); a name that matches none is a problem to show.
    static func definition(from form: [String: String], names: RuleNames) -> (AutomationRuleDefinition, [String]) {
        var problems: [String] = []
        let trigger = form["trigger"].flatMap(AutomationTrigger.init(rawValue:)) ?? .ticketCreated
        let conditions = (0..<conditionRows).compactMap { index -> AutomationCondition? in
            guard let field = form["condition_field_\(index)"].flatMap(AutomationCondition.Field.init(rawValue:)) else {
                return nil
            }
            let op = form["condition_op_\(index)"].flatMap(AutomationCondition.Operator.init(rawValue:)) ?? .equals
            var value = (form["condition_value_\(index)"] ?? "").trimmingCharacters(in: .whitespaces)
            let kind: RuleNames.Kind? =
                switch field {
                case .team: .team
                case .assignee: .agent
                case .organization: .organization
                default: nil
                }
            if let kind, !value.isEmpty {
                if let resolved = names.resolve(value, kind) {
                    value = resolved
                } else {
                    problems.append(
                        "\(field.label): nothing is called “\(value.prefix(60))”; choose one from the list.")
                }
            }
            return AutomationCondition(field, op, value)
        }
        let actions = (0..<actionRows).compactMap { index -> AutomationAction? in
            guard let kind = form["action_kind_\(index)"].flatMap(AutomationAction.Kind.init(rawValue:)) else {
                return nil
            }
            var value = (form["action_value_\(index)"] ?? "").withUnixLineEnds
            let reference: RuleNames.Kind? = kind == .assign ? .agent : kind == .setTeam ? .team : nil
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            if let reference, !trimmed.isEmpty {
                if let resolved = names.resolve(trimmed, reference) {
                    value = resolved
                } else {
                    problems.append(
                        "\(kind.label): nothing is called “\(trimmed.prefix(60))”; choose one from the list.")
                }
            }
            return AutomationAction(kind, value)
        }
        return (AutomationRuleDefinition(trigger: trigger, conditions: conditions, actions: actions), problems)
    }

    private func render(
        _ req: Request, id: Int?, name: String, position: String, enabled: Bool, definition: AutomationRuleDefinition,
        problems: [String], preview: AutomationService.Preview?, status: HTTPStatus = .ok
    ) async throws -> Response {
        let names = try await RuleNames.load(
            directory: req.rapport.configuration.current(on: req.db).directory, on: req.db)
        let conditions = (0..<Self.conditionRows).map { index in
            let condition = index < definition.conditions.count ? definition.conditions[index] : nil
            return ConditionRow(
                index: index,
                fieldOptions: [SelectOption(value: "", label: "—", selected: condition == nil)]
                    + AutomationCondition.Field.allCases.map {
                        SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == condition?.field)
                    },
                operatorOptions: AutomationCondition.Operator.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == (condition?.op ?? .equals))
                },
                control: names.control(for: condition?.field, value: condition?.value ?? "")
            )
        }
        let actions = (0..<Self.actionRows).map { index in
            let action = index < definition.actions.count ? definition.actions[index] : nil
            return ActionRow(
                index: index,
                kindOptions: [SelectOption(value: "", label: "—", selected: action == nil)]
                    + AutomationAction.Kind.allCases.map {
                        SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == action?.kind)
                    },
                control: names.control(for: action?.kind, value: action?.value ?? "")
            )
        }
        let scope =
            definition.trigger == .timeBased ? "tickets that are not closed" : "tickets that are new, open or pending"
        let previewSummary: String =
            preview.map { result in
                result.matchCount == 0
                    ? "No ticket among the \(result.examined) most recently updated \(scope) would be affected right now."
                    : "\(result.matchCount) of the \(result.examined) most recently updated \(scope) would be affected right now\(result.matchCount > result.matched.count ? "; the first \(result.matched.count) are listed" : "")."
            } ?? ""
        let templates =
            AutomationCondition.Field.allCases.map {
                ControlTemplate(key: "condition:" + $0.rawValue, control: names.control(for: $0, value: ""))
            }
            + AutomationAction.Kind.allCases.map {
                ControlTemplate(key: "action:" + $0.rawValue, control: names.control(for: $0, value: ""))
            }
        let context = EditorContext(
            page: try req.chrome(title: id == nil ? "New rule" : "Edit rule", section: "admin"), ruleID: id, name: name,
            position: position, enabled: enabled,
            triggerOptions: SelectOption.choices(AutomationTrigger.allCases, selected: definition.trigger),
            conditions: conditions, actions: actions, problems: problems, hasProblems: !problems.isEmpty,
            showPreview: preview != nil,
            preview: (preview?.matched ?? []).map {
                PreviewRow(id: $0.ticketID, subject: $0.subject, status: $0.status.label)
            },
            hasPreviewRows: !(preview?.matched.isEmpty ?? true),
            previewSummary: previewSummary,
            templates: templates, organizationNames: names.organizations.map(\.name),
            examples: Self.examples.map { Example(key: $0.key, title: $0.title) },
            isNew: id == nil
        )
        return try await req.page("admin-automation-edit", context, status: status)
    }
}

/// Names of the agents, teams and organizations a rule can point at, both ways: for the lists
/// the editor offers and for the sentences the rule list reads as.
struct RuleNames: Sendable {
    enum Kind { case agent, team, organization }

    let directory: StaffDirectory
    let organizations: [(id: Int, name: String)]

    static func load(directory: StaffDirectory, on db: any Database) async throws -> RuleNames {
        let organizations = try await Organization.query(on: db).sort(\.$name).all().compactMap { org in
            org.id.map { ($0, org.name) }
        }
        return RuleNames(directory: directory, organizations: organizations)
    }

    var sentence: AutomationSentence {
        let agents = Dictionary(directory.agents.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let teams = Dictionary(directory.teams.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let organizations = Dictionary(
            self.organizations.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return AutomationSentence(
            agentName: { agents[$0] }, teamName: { teams[$0] }, organizationName: { organizations[$0] })
    }

    /// The stored value for what the form sent: an id or "none" as they are, a name (or an
    /// agent's address) looked up; nil when nothing has that name.
    func resolve(_ value: String, _ kind: Kind) -> String? {
        if value == "none" || Int(value) != nil { return value }
        let wanted = value.lowercased()
        if ["no team", "unassigned", "nobody", "no organization"].contains(wanted) { return "none" }
        switch kind {
        case .agent: return directory.agents.first { $0.name.lowercased() == wanted }.map { String($0.id) }
        case .team: return directory.teams.first { $0.name.lowercased() == wanted }.map { String($0.id) }
        case .organization: return organizations.first { $0.name.lowercased() == wanted }.map { String($0.id) }
        }
    }

    func control(for field: AutomationCondition.Field?, value: String) -> AutomationPages.ValueControl {
        func choose(_ options: [(String, String)]) -> AutomationPages.ValueControl {
            let list =
                [SelectOption(value: "", label: "Choose…", selected: value.isEmpty)]
                + options.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == value) }
            return AutomationPages.ValueControl(kind: "select", options: list, text: value, rows: 1)
        }
        switch field {
        case .status: return choose(TicketStatus.allCases.map { ($0.rawValue, $0.label) })
        case .priority: return choose(TicketPriority.allCases.map { ($0.rawValue, $0.label) })
        case .channel: return choose(TicketChannel.allCases.map { ($0.rawValue, $0.label) })
        case .team: return choose([("none", "No team")] + directory.teams.map { (String($0.id), $0.name) })
        case .assignee:
            return choose(
                [("none", "Unassigned")]
                    + directory.agents.filter { $0.isActive || String($0.id) == value }.map { (String($0.id), $0.name) }
            )
        case .mood:
            return choose([
                ("upset", "Upset"), ("churn_risk", "Thinking of leaving"), ("urgent", "In a hurry"),
                ("negative", "Unhappy"),
            ])
        case .organization:
            let name =
                value == "none"
                ? "No organization" : Int(value).flatMap { id in organizations.first { $0.id == id }?.name } ?? value
            return AutomationPages.ValueControl(kind: "organization", options: [], text: name, rows: 1)
        default: return AutomationPages.ValueControl(kind: "text", options: [], text: value, rows: 1)
        }
    }

    func control(for kind: AutomationAction.Kind?, value: String) -> AutomationPages.ValueControl {
        func choose(_ options: [(String, String)]) -> AutomationPages.ValueControl {
            let list =
                [SelectOption(value: "", label: "Choose…", selected: value.isEmpty)]
                + options.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == value) }
            return AutomationPages.ValueControl(kind: "select", options: list, text: value, rows: 1)
        }
        switch kind {
        case .assign:
            return choose(
                [("none", "Nobody (unassign)")]
                    + directory.agents.filter { $0.isActive || String($0.id) == value }.map { (String($0.id), $0.name) }
            )
        case .setTeam: return choose([("none", "No team")] + directory.teams.map { (String($0.id), $0.name) })
        case .setPriority: return choose(TicketPriority.allCases.map { ($0.rawValue, $0.label) })
        case .setStatus: return choose([TicketStatus.open, .pending, .solved, .closed].map { ($0.rawValue, $0.label) })
        case .emailCustomer, .addNote:
            return AutomationPages.ValueControl(kind: "textarea", options: [], text: value, rows: 7)
        default: return AutomationPages.ValueControl(kind: "text", options: [], text: value, rows: 2)
        }
    }
}

extension AutomationTrigger: LabelledChoice {}
