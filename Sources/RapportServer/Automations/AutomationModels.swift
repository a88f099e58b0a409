import FluentKit
import Foundation
import RapportCore

/// A workspace rule: on an event or on a schedule, tickets that meet its conditions get its actions.
final class AutomationRule: Model, @unchecked Sendable {
    static let schema = "automation_rules"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Enum(key: "trigger") var trigger: AutomationTrigger
    @Field(key: "position") var position: Int
    @Field(key: "enabled") var enabled: Bool
    /// JSON of the conditions and actions (`AutomationRuleDefinition` without its trigger).
    @Field(key: "definition") var definitionJSON: String
    @Field(key: "fired_count") var firedCount: Int
    @OptionalField(key: "last_fired_at") var lastFiredAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    struct StoredDefinition: Codable {
        var conditions: [AutomationCondition]
        var actions: [AutomationAction]
    }

    var definition: AutomationRuleDefinition {
        get {
            let stored =
                (try? JSONDecoder().decode(StoredDefinition.self, from: Data(definitionJSON.utf8)))
                ?? StoredDefinition(conditions: [], actions: [])
            return AutomationRuleDefinition(trigger: trigger, conditions: stored.conditions, actions: stored.actions)
        }
        set {
            trigger = newValue.trigger
            let stored = StoredDefinition(conditions: newValue.conditions, actions: newValue.actions)
            definitionJSON = (try? JSONEncoder().encode(stored)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }
}

/// That a time-based rule acted on a ticket for one period of waiting; unique, so it acts once.
final class AutomationFiring: Model, @unchecked Sendable {
    static let schema = "automation_firings"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "rule_id") var ruleID: Int
    @Field(key: "ticket_id") var ticketID: Int
    @Field(key: "anchor") var anchor: Date
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// The payload of an `automation_trigger` job.
struct AutomationTriggerJob: Codable, Sendable {
    let ticketID: Int
    let trigger: AutomationTrigger
}

struct CreateAutomations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AutomationRule.schema)
            .intID()
            .field("name", .string, .required)
            .field("trigger", .string, .required)
            .field("position", .int, .required)
            .field("enabled", .bool, .required)
            .field("definition", .string, .required)
            .field("fired_count", .int, .required)
            .field("last_fired_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex(
            "idx_automation_rules_trigger", on: AutomationRule.schema, columns: ["trigger", "enabled", "position"])

        try await database.schema(AutomationFiring.schema)
            .intID()
            .field("rule_id", .int, .required)
            .field("ticket_id", .int, .required)
            .field("anchor", .datetime, .required)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "rule_id", references: AutomationRule.schema, "id", onDelete: .cascade,
                name: "fk_automation_firings_rule"
            )
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_automation_firings_ticket"
            )
            .create()
        try await database.createIndex(
            "uq_automation_firings", on: AutomationFiring.schema, columns: ["rule_id", "ticket_id", "anchor"],
            unique: true)
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AutomationFiring.schema).delete()
        try await database.schema(AutomationRule.schema).delete()
    }
}
