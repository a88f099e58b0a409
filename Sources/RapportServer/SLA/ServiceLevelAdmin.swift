import FluentKit
import Foundation
import RapportCore

/// Validates and stores calendars, SLA policies and the delay-notice settings, for the admin
/// pages and for anything else that configures a workspace.
struct ServiceLevelAdmin: Sendable {
    let clock: any WallClock
    let configuration: ConfigurationCache

    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    // MARK: Calendars

    struct CalendarInput: Sendable {
        var name: String
        var timeZone: String
        /// Monday to Sunday, each like "09:00-17:00" or empty for closed.
        var week: [String]
        var holidays: String
    }

    @discardableResult
    func saveCalendar(id: Int?, _ input: CalendarInput, on db: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 120)
        var week: [[OpeningPeriod]] = []
        for (index, text) in input.week.prefix(7).enumerated() {
            do { week.append(try OpeningPeriod.parseList(text)) } catch {
                problems.add(Self.weekdayNames[index].lowercased(), "\(Self.weekdayNames[index]): \(error.description)")
                week.append([])
            }
        }
        var holidays: [Holiday] = []
        do { holidays = try Holiday.parseList(input.holidays) } catch { problems.add("holidays", error.description) }
        let timeZone = input.timeZone.trimmingCharacters(in: .whitespaces)
        if TimeZone(identifier: timeZone) == nil {
            problems.add("time_zone", BusinessCalendarError.unknownTimeZone(timeZone).description)
        }
        if problems.isEmpty {
            do { _ = try BusinessCalendar(timeZone: timeZone, week: week, holidays: holidays) } catch {
                problems.add(error == .neverOpen ? "week" : "time_zone", error.description)
            }
        }
        try problems.throwIfAny()
        let record: BusinessCalendarRecord =
            if let id { try await BusinessCalendarRecord.find(id, orNotFound: "Calendar", on: db) } else {
                BusinessCalendarRecord()
            }
        let now = clock.now()
        record.name = name
        record.timeZone = timeZone
        record.week = String(
            decoding: try JSONEncoder().encode(week.map { $0.map(\.description).joined(separator: ", ") }),
            as: UTF8.self)
        record.holidays = holidays.map { $0.name.isEmpty ? $0.day.description : "\($0.day) \($0.name)" }.joined(
            separator: "\n")
        record.updatedAt = now
        if id == nil {
            record.createdAt = now
            try await record.create(on: db)
        } else {
            try await record.update(on: db)
        }
        try await configuration.changed(on: db)
        return try record.requireID
    }

    func deleteCalendar(id: Int, on db: any Database) async throws {
        let record = try await BusinessCalendarRecord.find(id, orNotFound: "Calendar", on: db)
        let users = try await SLAPolicy.query(on: db).filter(\.$calendarID == id).all(\.$name)
        guard users.isEmpty else {
            throw RapportError.conflict(
                "The calendar is used by \(users.joined(separator: ", ")); choose another calendar there first.")
        }
        try await record.delete(on: db)
        try await configuration.changed(on: db)
    }

    // MARK: Policies

    struct PolicyInput: Sendable {
        var name: String
        var position: Int
        var enabled: Bool
        var calendarID: Int?
        var organizationIDs: [Int]
        var customerTier: String?
        var targets: [TicketPriority: SLATargets]
        var escalationPercent: Int
        var escalateToAgentID: Int?
        var escalateRaisesPriority: Bool
    }

    @discardableResult
    func savePolicy(id: Int?, _ input: PolicyInput, on db: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 120)
        if !(1...99).contains(input.escalationPercent) {
            problems.add("escalation_percent", "must be between 1 and 99")
        }
        if input.targets.values.allSatisfy(\.isEmpty) { problems.add("targets", "set at least one target") }
        for (priority, targets) in input.targets {
            for minutes in [targets.firstResponseMinutes, targets.nextResponseMinutes, targets.resolutionMinutes]
                .compactMap({ $0 })
            where minutes <= 0 || minutes > 365 * 24 * 60 {
                problems.add("targets.\(priority.rawValue)", "targets must be more than zero and at most a year")
            }
        }
        if let calendarID = input.calendarID, try await BusinessCalendarRecord.find(calendarID, on: db) == nil {
            problems.add("calendar_id", "no calendar has id \(calendarID)")
        }
        if let agentID = input.escalateToAgentID, try await Agent.find(agentID, on: db)?.isActive != true {
            problems.add("escalate_to_agent_id", "no active agent has id \(agentID)")
        }
        let known = Set(try await Organization.query(on: db).filter(\.$id ~~ input.organizationIDs).all(\.$id))
        if let missing = input.organizationIDs.first(where: { !known.contains($0) }) {
            problems.add("organization_ids", "no organization has id \(missing)")
        }
        try problems.throwIfAny()

        let policy: SLAPolicy =
            if let id { try await SLAPolicy.find(id, orNotFound: "SLA policy", on: db) } else { SLAPolicy() }
        let now = clock.now()
        policy.name = name
        policy.position = input.position
        policy.enabled = input.enabled
        policy.calendarID = input.calendarID
        policy.organizationIDs = String(
            decoding: try JSONEncoder().encode(input.organizationIDs.sorted()), as: UTF8.self)
        policy.customerTier = input.customerTier.flatMap {
            $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : String($0.prefix(60))
        }
        let targets = Dictionary(
            uniqueKeysWithValues: input.targets.filter { !$0.value.isEmpty }.map { ($0.key.rawValue, $0.value) })
        policy.targets = String(decoding: try JSONEncoder().encode(targets), as: UTF8.self)
        policy.escalationPercent = input.escalationPercent
        policy.escalateToAgentID = input.escalateToAgentID
        policy.escalateRaisesPriority = input.escalateRaisesPriority
        policy.updatedAt = now
        if id == nil {
            policy.createdAt = now
            try await policy.create(on: db)
        } else {
            try await policy.update(on: db)
        }
        try await configuration.changed(on: db)
        return try policy.requireID
    }

    func deletePolicy(id: Int, on db: any Database) async throws {
        try await db.write { tx in
            let policy = try await SLAPolicy.find(id, orNotFound: "SLA policy", on: tx.db)
            // Clocks go with their policy; the tickets' deadline columns are cleared with them.
            let tickets = try await TicketSLAClock.query(on: tx.db).filter(\.$policyID == id).all(\.$ticketID)
            try await policy.delete(on: tx.db)
            if !tickets.isEmpty {
                try await Ticket.query(on: tx.db).filter(\.$id ~~ Array(Set(tickets)))
                    .set(\.$slaDueAt, to: nil).set(\.$slaAtRiskAt, to: nil).set(\.$slaAlertAt, to: nil).update()
            }
            try await configuration.changed(on: tx.db)
        }
    }

    // MARK: Delay notices

    func saveSettings(_ settings: SLASettings, on db: any Database) async throws {
        var problems = FieldErrors()
        if !(50...99).contains(settings.delayNoticePercent) {
            problems.add("delay_notice_percent", "must be between 50 and 99")
        }
        if !(15...(14 * 24 * 60)).contains(settings.delayNoticeExtensionMinutes) {
            problems.add("delay_notice_extension", "must be between a quarter of an hour and two weeks")
        }
        if settings.delayNoticeText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.add("delay_notice_text", "must not be empty")
        }
        if settings.delayNoticeText.count > 10_000 {
            problems.add("delay_notice_text", "must be at most 10,000 characters")
        }
        if !settings.delayNoticeText.contains("{{new_time}}") {
            problems.add(
                "delay_notice_text", "must contain {{new_time}}: a delay notice always gives the customer a new time")
        }
        try problems.throwIfAny()
        try await settings.save(on: db, now: clock.now())
        try await configuration.changed(on: db)
    }
}

extension RapportServices {
    var serviceLevels: ServiceLevelAdmin { ServiceLevelAdmin(clock: clock, configuration: configuration) }
}
