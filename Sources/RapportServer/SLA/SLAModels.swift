import FluentKit
import Foundation
import RapportCore
import SQLKit

/// A named business-hours calendar: weekly opening periods in a time zone, and holidays.
final class BusinessCalendarRecord: Model, @unchecked Sendable {
    static let schema = "business_calendars"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "time_zone") var timeZone: String
    /// Seven strings, Monday to Sunday, each like "09:00-12:00, 13:00-17:00" or "" (closed).
    @Field(key: "week") var week: String
    /// One holiday per line: "2026-12-25 Christmas Day".
    @Field(key: "holidays") var holidays: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var weekDays: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(week.utf8))) ?? Array(repeating: "", count: 7)
    }

    /// The calendar for arithmetic. Stored calendars were validated when saved.
    func calendar() throws -> BusinessCalendar {
        try BusinessCalendar(
            timeZone: timeZone, week: weekDays.map { try OpeningPeriod.parseList($0) },
            holidays: Holiday.parseList(holidays))
    }
}

/// Targets for tickets a policy covers, and what happens when they come close.
final class SLAPolicy: Model, @unchecked Sendable {
    static let schema = "sla_policies"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "position") var position: Int
    @Field(key: "enabled") var enabled: Bool
    /// Nil: the clock runs around the clock.
    @OptionalField(key: "calendar_id") var calendarID: Int?
    /// JSON array of organization ids; empty covers everyone.
    @Field(key: "organization_ids") var organizationIDs: String
    @OptionalField(key: "customer_tier") var customerTier: String?
    /// JSON object from priority to `SLATargets`.
    @Field(key: "targets") var targets: String
    @Field(key: "escalation_percent") var escalationPercent: Int
    @OptionalField(key: "escalate_to_agent_id") var escalateToAgentID: Int?
    @Field(key: "escalate_raises_priority") var escalateRaisesPriority: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    var targetsByPriority: [TicketPriority: SLATargets] {
        let raw = (try? JSONDecoder().decode([String: SLATargets].self, from: Data(targets.utf8))) ?? [:]
        return Dictionary(
            uniqueKeysWithValues: raw.compactMap { key, value in TicketPriority(rawValue: key).map { ($0, value) } })
    }

    var organizationIDList: [Int] {
        (try? JSONDecoder().decode([Int].self, from: Data(organizationIDs.utf8))) ?? []
    }

    var rule: SLAPolicyRule {
        SLAPolicyRule(
            id: id ?? 0, position: position, organizationIDs: Set(organizationIDList), customerTier: customerTier,
            targets: targetsByPriority, escalationShare: Double(escalationPercent) / 100)
    }
}

/// One SLA clock of one ticket, with the alerts already raised for it.
final class TicketSLAClock: Model, @unchecked Sendable {
    static let schema = "ticket_sla_clocks"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Enum(key: "metric") var metric: SLAMetric
    @Field(key: "policy_id") var policyID: Int
    @Field(key: "target_seconds") var targetSeconds: Double
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "used_before_run") var usedBeforeRun: Double
    @OptionalField(key: "running_since") var runningSince: Date?
    @OptionalField(key: "stopped_at") var stoppedAt: Date?
    @OptionalField(key: "escalated_at") var escalatedAt: Date?
    @OptionalField(key: "breached_at") var breachedAt: Date?
    @OptionalField(key: "delay_notice_at") var delayNoticeAt: Date?
    @Field(key: "delay_notices") var delayNotices: Int
    @OptionalField(key: "promised_at") var promisedAt: Date?

    init() {}

    var clock: SLAClock {
        get {
            SLAClock(
                target: targetSeconds, startedAt: startedAt, usedBeforeRun: usedBeforeRun, runningSince: runningSince,
                stoppedAt: stoppedAt)
        }
        set {
            targetSeconds = newValue.target
            startedAt = newValue.startedAt
            usedBeforeRun = newValue.usedBeforeRun
            runningSince = newValue.runningSince
            stoppedAt = newValue.stoppedAt
        }
    }

    var marks: SLAAlertMarks {
        get {
            SLAAlertMarks(
                escalatedAt: escalatedAt, breachedAt: breachedAt, delayNoticeAt: delayNoticeAt,
                delayNotices: delayNotices, promisedAt: promisedAt)
        }
        set {
            escalatedAt = newValue.escalatedAt
            breachedAt = newValue.breachedAt
            delayNoticeAt = newValue.delayNoticeAt
            delayNotices = newValue.delayNotices
            promisedAt = newValue.promisedAt
        }
    }
}

/// A message Rapport prepared to tell a customer their answer will be late.
final class DelayNotice: Model, @unchecked Sendable {
    static let schema = "delay_notices"

    enum Status: String, Codable, Sendable { case draft, sent, dismissed }

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Enum(key: "metric") var metric: SLAMetric
    @Field(key: "body") var body: String
    /// The new time the notice gives the customer.
    @Field(key: "promised_at") var promisedAt: Date
    @Enum(key: "status") var status: Status
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalField(key: "resolved_by_agent_id") var resolvedByAgentID: Int?
    @OptionalField(key: "message_id") var messageID: Int?

    init() {}
}

/// Business calendars, SLA policies and clocks, delay notices, and the ticket, customer and
/// team columns they need.
struct CreateServiceLevels: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(BusinessCalendarRecord.schema)
            .intID()
            .field("name", .string, .required)
            .field("time_zone", .string, .required)
            .field("week", .string, .required)
            .field("holidays", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema(SLAPolicy.schema)
            .intID()
            .field("name", .string, .required)
            .field("position", .int, .required)
            .field("enabled", .bool, .required)
            .field("calendar_id", .int)
            .field("organization_ids", .string, .required)
            .field("customer_tier", .string)
            .field("targets", .string, .required)
            .field("escalation_percent", .int, .required)
            .field("escalate_to_agent_id", .int)
            .field("escalate_raises_priority", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .foreignKey(
                "calendar_id", references: BusinessCalendarRecord.schema, "id", onDelete: .restrict,
                name: "fk_sla_policies_calendar"
            )
            .foreignKey(
                "escalate_to_agent_id", references: Agent.schema, "id", onDelete: .setNull,
                name: "fk_sla_policies_escalate_to"
            )
            .create()

        try await database.schema(TicketSLAClock.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("metric", .string, .required)
            .field("policy_id", .int, .required)
            .field("target_seconds", .double, .required)
            .field("started_at", .datetime, .required)
            .field("used_before_run", .double, .required)
            .field("running_since", .datetime)
            .field("stopped_at", .datetime)
            .field("escalated_at", .datetime)
            .field("breached_at", .datetime)
            .field("delay_notice_at", .datetime)
            .field("delay_notices", .int, .required)
            .field("promised_at", .datetime)
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_ticket_sla_clocks_ticket"
            )
            .foreignKey(
                "policy_id", references: SLAPolicy.schema, "id", onDelete: .cascade, name: "fk_ticket_sla_clocks_policy"
            )
            .create()
        try await database.createIndex(
            "uq_ticket_sla_clocks_metric", on: TicketSLAClock.schema, columns: ["ticket_id", "metric"], unique: true)
        try await database.createIndex(
            "idx_ticket_sla_clocks_policy", on: TicketSLAClock.schema, columns: ["policy_id"])

        try await database.schema(DelayNotice.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("metric", .string, .required)
            .field("body", .string, .required)
            .field("promised_at", .datetime, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .field("resolved_at", .datetime)
            .field("resolved_by_agent_id", .int)
            .field("message_id", .int)
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_delay_notices_ticket"
            )
            .foreignKey(
                "resolved_by_agent_id", references: Agent.schema, "id", onDelete: .setNull,
                name: "fk_delay_notices_agent"
            )
            .foreignKey(
                "message_id", references: Message.schema, "id", onDelete: .setNull, name: "fk_delay_notices_message"
            )
            .create()
        try await database.createIndex(
            "idx_delay_notices_ticket", on: DelayNotice.schema, columns: ["ticket_id", "status"])

        // One column per ALTER TABLE: SQLite adds only one at a time.
        for column in ["status_changed_at", "sla_due_at", "sla_at_risk_at", "sla_alert_at"] {
            try await database.schema(Ticket.schema).field(.string(column), .datetime).update()
        }
        try await database.sql.raw("UPDATE tickets SET status_changed_at = COALESCE(closed_at, solved_at, updated_at)")
            .run()
        try await database.createIndex("idx_tickets_sla_alert", on: Ticket.schema, columns: ["sla_alert_at"])
        try await database.createIndex(
            "idx_tickets_status_sla_due", on: Ticket.schema, columns: ["status", "sla_due_at", "id"])
        try await database.createIndex(
            "idx_tickets_status_sla_risk", on: Ticket.schema, columns: ["status", "sla_at_risk_at"])
        try await database.createIndex(
            "idx_tickets_status_changed", on: Ticket.schema, columns: ["status", "status_changed_at"])
        try await database.schema(Customer.schema).field("tier", .string).update()
        try await database.schema(Team.schema).field("lead_agent_id", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Team.schema).deleteField("lead_agent_id").update()
        try await database.schema(Customer.schema).deleteField("tier").update()
        for index in [
            "idx_tickets_sla_alert", "idx_tickets_status_sla_due", "idx_tickets_status_sla_risk",
            "idx_tickets_status_changed",
        ] {
            try await database.dropIndex(index)
        }
        for column in ["sla_alert_at", "sla_at_risk_at", "sla_due_at", "status_changed_at"] {
            try await database.schema(Ticket.schema).deleteField(.string(column)).update()
        }
        try await database.schema(DelayNotice.schema).delete()
        try await database.schema(TicketSLAClock.schema).delete()
        try await database.schema(SLAPolicy.schema).delete()
        try await database.schema(BusinessCalendarRecord.schema).delete()
    }
}
