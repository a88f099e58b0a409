import FluentKit
import Foundation
import RapportCore

/// Validates and stores automation rules, for the admin pages and for anything else that
/// configures a workspace.
struct AutomationAdmin: Sendable {
    let clock: any WallClock
    let configuration: ConfigurationCache

    struct RuleInput: Sendable {
        var name: String
        var enabled: Bool
        var position: Int
        var definition: AutomationRuleDefinition
    }

    @discardableResult
    func saveRule(id: Int?, _ input: RuleInput, on db: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 120)
        for (index, problem) in input.definition.problems.enumerated() { problems.add("rule.\(index)", problem) }
        try problems.throwIfAny()
        let rule: AutomationRule =
            if let id { try await AutomationRule.find(id, orNotFound: "Rule", on: db) } else { AutomationRule() }
        let now = clock.now()
        rule.name = name
        rule.enabled = input.enabled
        rule.position = input.position
        rule.definition = input.definition
        rule.updatedAt = now
        if id == nil {
            rule.firedCount = 0
            rule.createdAt = now
            try await rule.create(on: db)
        } else {
            try await rule.update(on: db)
        }
        try await configuration.changed(on: db)
        return try rule.requireID
    }

    func deleteRule(id: Int, on db: any Database) async throws {
        try await AutomationRule.find(id, orNotFound: "Rule", on: db).delete(on: db)
        try await configuration.changed(on: db)
    }
}

extension RapportServices {
    var automationAdmin: AutomationAdmin { AutomationAdmin(clock: clock, configuration: configuration) }
}
