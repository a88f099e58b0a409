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
        let rows = rules.compactMap { rule in
            rule.id.map { id in
                let definition = rule.definition
                let conditions = definition.conditions.map { "\($0.field.rawValue) \($0.op.label) \($0.value)" }.joined(separator: " and ")
                let actions = definition.actions.map { $0.kind.label.components(separatedBy: " (").first ?? $0.kind.rawValue }.joined(separator: ", ")
                return RuleRow(id: id, name: rule.name, trigger: rule.trigger.label, enabled: rule.enabled,
                               summary: (conditions.isEmpty ? "Every ticket" : "If " + conditions) + " → " + actions,
                               fired: rule.firedCount == 0 ? "never" : "\(rule.firedCount) times")
            }
        }
        return try await req.page("admin-automations", ListContext(page: try req.chrome(title: "Automations", section: "admin"), rows: rows, hasRows: !rows.isEmpty))
    }

    // MARK: Editor

    struct ConditionRow: Encodable {
        let index: Int
        let fieldOptions: [SelectOption]
        let operatorOptions: [SelectOption]
        let value: String
    }

    struct ActionRow: Encodable {
        let index: Int
        let kindOptions: [SelectOption]
        let value: String
        /// Emails and notes get room to write in.
        let rows: Int
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
    }

    func newRule(req: Request) async throws -> Response {
        let definition = AutomationRuleDefinition(trigger: .timeBased, conditions: [
            AutomationCondition(.status, .equals, "pending"), AutomationCondition(.hoursInStatus, .atLeast, "72"),
        ], actions: [AutomationAction(.emailCustomer, "Hi {{customer.first_name}},\n\nwe have not heard back from you about “{{ticket.subject}}”. Is there anything else we can do? Just reply to this message.\n\n{{workspace.name}}")])
        return try await render(req, id: nil, name: "", position: "10", enabled: true, definition: definition, problems: [], preview: nil)
    }

    func edit(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Rule")
        let rule = try await AutomationRule.find(id, orNotFound: "Rule", on: req.db)
        return try await render(req, id: id, name: rule.name, position: String(rule.position), enabled: rule.enabled, definition: rule.definition, problems: [], preview: nil)
    }

    func create(req: Request) async throws -> Response { try await save(req, id: nil) }
    func update(req: Request) async throws -> Response { try await save(req, id: try req.idParameter("id", naming: "Rule")) }

    func delete(req: Request) async throws -> Response {
        try await req.rapport.serviceLevels.deleteRule(id: try req.idParameter("id", naming: "Rule"), on: req.db)
        return req.redirect(to: "/admin/automations", notice: .ruleDeleted)
    }

    private func save(_ req: Request, id: Int?) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let definition = Self.definition(from: form)
        let name = form["name"] ?? ""
        let position = form["position"] ?? "10"
        let enabled = form["enabled"] == "true"
        if form["intent"] == "preview" {
            let problems = definition.problems
            let preview = problems.isEmpty ? try await req.rapport.automations(logger: req.logger).preview(definition, on: req.db) : nil
            return try await render(req, id: id, name: name, position: position, enabled: enabled, definition: definition, problems: problems, preview: preview)
        }
        do {
            try await req.rapport.serviceLevels.saveRule(id: id, .init(name: name, enabled: enabled, position: Int(position) ?? 10, definition: definition), on: req.db)
            return req.redirect(to: "/admin/automations", notice: .ruleSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(req, id: id, name: name, position: position, enabled: enabled, definition: definition,
                                    problems: ServiceLevelPages.problems(error), preview: nil, status: .unprocessableEntity)
        }
    }

    /// The rule a submitted form describes; rows left empty are ignored.
    static func definition(from form: [String: String]) -> AutomationRuleDefinition {
        let trigger = form["trigger"].flatMap(AutomationTrigger.init(rawValue:)) ?? .ticketCreated
        let conditions = (0..<conditionRows).compactMap { index -> AutomationCondition? in
            guard let field = form["condition_field_\(index)"].flatMap(AutomationCondition.Field.init(rawValue:)) else { return nil }
            let op = form["condition_op_\(index)"].flatMap(AutomationCondition.Operator.init(rawValue:)) ?? .equals
            return AutomationCondition(field, op, form["condition_value_\(index)"] ?? "")
        }
        let actions = (0..<actionRows).compactMap { index -> AutomationAction? in
            guard let kind = form["action_kind_\(index)"].flatMap(AutomationAction.Kind.init(rawValue:)) else { return nil }
            return AutomationAction(kind, (form["action_value_\(index)"] ?? "").replacingOccurrences(of: "\r\n", with: "\n"))
        }
        return AutomationRuleDefinition(trigger: trigger, conditions: conditions, actions: actions)
    }

    private func render(_ req: Request, id: Int?, name: String, position: String, enabled: Bool, definition: AutomationRuleDefinition,
                        problems: [String], preview: AutomationService.Preview?, status: HTTPStatus = .ok) async throws -> Response {
        let none = SelectOption(value: "", label: "—", selected: false)
        let conditions = (0..<Self.conditionRows).map { index in
            let condition = index < definition.conditions.count ? definition.conditions[index] : nil
            return ConditionRow(
                index: index,
                fieldOptions: [SelectOption(value: "", label: "—", selected: condition == nil)]
                    + AutomationCondition.Field.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == condition?.field) },
                operatorOptions: AutomationCondition.Operator.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == (condition?.op ?? .equals)) },
                value: condition?.value ?? ""
            )
        }
        let actions = (0..<Self.actionRows).map { index in
            let action = index < definition.actions.count ? definition.actions[index] : nil
            return ActionRow(
                index: index,
                kindOptions: [SelectOption(value: "", label: none.label, selected: action == nil)]
                    + AutomationAction.Kind.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == action?.kind) },
                value: action?.value ?? "",
                rows: action?.kind == .emailCustomer || action?.kind == .addNote ? 7 : 2
            )
        }
        let previewSummary: String = preview.map { result in
            result.matchCount == 0 ? "No ticket among the \(result.examined) most recently updated open ones would be affected right now."
                : "\(result.matchCount) of the \(result.examined) most recently updated open tickets would be affected right now\(result.matchCount > result.matched.count ? "; the first \(result.matched.count) are listed" : "")."
        } ?? ""
        let context = EditorContext(
            page: try req.chrome(title: id == nil ? "New rule" : "Edit rule", section: "admin"), ruleID: id, name: name, position: position, enabled: enabled,
            triggerOptions: SelectOption.choices(AutomationTrigger.allCases, selected: definition.trigger),
            conditions: conditions, actions: actions, problems: problems, hasProblems: !problems.isEmpty,
            showPreview: preview != nil,
            preview: (preview?.matched ?? []).map { PreviewRow(id: $0.ticketID, subject: $0.subject, status: $0.status.label) },
            hasPreviewRows: !(preview?.matched.isEmpty ?? true),
            previewSummary: previewSummary
        )
        return try await req.page("admin-automation-edit", context, status: status)
    }
}

extension AutomationTrigger: LabelledChoice {}
