import FluentKit
import Foundation
import RapportCore

/// Keeps each ticket's SLA clocks in step with what happens to it, and answers where they stand.
///
/// `sync` runs inside every ticket write: it finds the policy that covers the ticket, moves the
/// clocks for the event, and stores on the ticket the nearest deadline (for the inbox's "due
/// next" order), when it becomes at risk, and when the SLA check next has work for it.
struct SLAService: Sendable {
    let clock: any WallClock

    /// The policies and calendars, read once per ticket write.
    struct Configuration: Sendable {
        let policies: [SLAPolicy]
        let calendars: [Int: BusinessCalendar]
        let settings: SLASettings

        var rules: [SLAPolicyRule] { policies.filter(\.enabled).map(\.rule) }

        func policy(id: Int?) -> SLAPolicy? { policies.first { $0.id == id } }

        func calendar(for policy: SLAPolicy?) -> BusinessCalendar {
            policy?.calendarID.flatMap { calendars[$0] } ?? .alwaysOpen
        }
    }

    func configuration(on db: any Database) async throws -> Configuration {
        try await Self.loadConfiguration(on: db)
    }

    /// The policies, calendars and settings as stored (the configuration cache holds a copy).
    static func loadConfiguration(on db: any Database) async throws -> Configuration {
        let policies = try await Self.policies(on: db)
        var calendars: [Int: BusinessCalendar] = [:]
        if policies.contains(where: { $0.calendarID != nil }) {
            for record in try await BusinessCalendarRecord.query(on: db).all() {
                if let id = record.id, let calendar = try? record.calendar() { calendars[id] = calendar }
            }
        }
        return Configuration(policies: policies, calendars: calendars, settings: try await SLASettings.load(on: db))
    }

    private static func policies(on db: any Database) async throws -> [SLAPolicy] {
        try await SLAPolicy.query(on: db).sort(\.$position).sort(\.$id).all()
    }

    private func configuration(policies: [SLAPolicy], on db: any Database) async throws -> Configuration {
        var calendars: [Int: BusinessCalendar] = [:]
        if policies.contains(where: { $0.calendarID != nil }) {
            for record in try await BusinessCalendarRecord.query(on: db).all() {
                if let id = record.id, let calendar = try? record.calendar() { calendars[id] = calendar }
            }
        }
        return Configuration(policies: policies, calendars: calendars, settings: try await SLASettings.load(on: db))
    }

    /// Moves the ticket's clocks for `event` and updates its SLA columns (the caller saves the
    /// ticket). Runs in the caller's transaction.
    func sync(_ ticket: Ticket, event: TicketSLAClocks.Event, now: Date, on db: any Database) async throws {
        try await sync(ticket, events: [(event, now)], on: db)
    }

    /// Moves the clocks through several events in order (rebuilding a ticket's history).
    func sync(_ ticket: Ticket, events: [(event: TicketSLAClocks.Event, at: Date)], on db: any Database) async throws {
        guard let now = events.last?.at else { return }
        let ticketID = try ticket.requireID
        let rows = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        // A workspace without SLAs pays one small query per ticket write, not three.
        let policies = try await Self.policies(on: db)
        if rows.isEmpty, !policies.contains(where: \.enabled) { return }
        let configuration = try await configuration(policies: policies, on: db)

        let customer = try await Customer.find(ticket.requesterID, on: db)
        let subject = SLASubject(priority: ticket.priority, organizationID: customer?.organizationID, customerTier: customer?.tier)
        let matched = SLAPolicyRule.matching(subject, in: configuration.rules)
        let policy = configuration.policy(id: matched?.id)
        let calendar = configuration.calendar(for: policy)
        let targets = matched?.targets[ticket.priority] ?? SLATargets()

        var clocks = TicketSLAClocks(Dictionary(uniqueKeysWithValues: rows.map { ($0.metric, $0.clock) }))
        if rows.contains(where: { !$0.clock.isStopped && $0.policyID != policy?.id }) {
            clocks.apply(.targetsChanged, at: events[0].at, targets: targets, calendar: calendar)
        }
        for (event, at) in events {
            clocks.apply(event, at: at, targets: targets, calendar: calendar)
        }

        var saved: [TicketSLAClock] = []
        for metric in SLAMetric.allCases {
            let row = rows.first { $0.metric == metric }
            switch (row, clocks[metric]) {
            case (nil, nil):
                continue
            case let (row?, nil):
                try await row.delete(on: db)
            case let (nil, clock?):
                guard let policyID = policy?.id else { continue }
                let created = TicketSLAClock()
                created.ticketID = ticketID
                created.metric = metric
                created.policyID = policyID
                created.clock = clock
                created.marks = SLAAlertMarks()
                try await created.create(on: db)
                saved.append(created)
            case let (row?, clock?):
                if row.startedAt != clock.startedAt { row.marks = SLAAlertMarks() }  // a new cycle (next response)
                if !row.clock.isStopped, clock.isStopped, metric != .resolution {
                    // The customer got their answer: a delay notice still waiting is moot.
                    try await DelayNotice.query(on: db).filter(\.$ticketID == ticketID).filter(\.$metric == metric).filter(\.$status == .draft)
                        .set(\.$status, to: .dismissed).set(\.$resolvedAt, to: now).update()
                }
                if !clock.isStopped, let policyID = policy?.id { row.policyID = policyID }
                if row.clock != clock { row.clock = clock }
                if row.hasChanges { try await row.update(on: db) }
                saved.append(row)
            }
        }
        updateTicketColumns(ticket, clocks: saved, configuration: configuration)
    }

    /// Stores on the ticket what the inbox and the SLA check read without loading clocks.
    func updateTicketColumns(_ ticket: Ticket, clocks rows: [TicketSLAClock], configuration: Configuration) {
        var due: [Date] = [], risk: [Date] = [], alert: [Date] = []
        let noticeShare = configuration.settings.delayNoticeShare
        for row in rows where row.clock.isRunning {
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            let share = Double(policy?.escalationPercent ?? 75) / 100
            if let moment = row.clock.dueAt(on: calendar) { due.append(moment) }
            if let moment = row.clock.moment(atShare: share, on: calendar) { risk.append(moment) }
            if let moment = SLAAlerts.nextAlertMoment(for: row.metric, clock: row.clock, marks: row.marks, escalationShare: share,
                                                      delayNoticeShare: noticeShare, on: calendar) { alert.append(moment) }
        }
        ticket.slaDueAt = due.min()
        ticket.slaAtRiskAt = risk.min()
        ticket.slaAlertAt = alert.min()
    }

    /// Each clock of a ticket as the ticket page shows it.
    func standings(ticketID: Int, on db: any Database) async throws -> [SLAClockView] {
        let rows = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        guard !rows.isEmpty else { return [] }
        let configuration = try await configuration(on: db)
        let now = clock.now()
        return SLAMetric.allCases.compactMap { metric in
            guard let row = rows.first(where: { $0.metric == metric }) else { return nil }
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            return SLAClockView(row: row, policyName: policy?.name ?? "", escalationShare: Double(policy?.escalationPercent ?? 75) / 100,
                                calendar: calendar, now: now)
        }
    }
}

/// One clock on the ticket page: "First response · due in 1 h 20 min", "Resolution · overdue by 2 h".
struct SLAClockView: Encodable, Sendable {
    let metric: String
    let label: String
    let standing: String
    let summary: String
    let dueAt: Date?
    let policyName: String

    init(row: TicketSLAClock, policyName: String, escalationShare: Double, calendar: BusinessCalendar, now: Date) {
        let clock = row.clock
        let standing = SLAStanding.of(clock, escalationShare: escalationShare, at: now, on: calendar)
        let remaining = clock.remaining(at: now, on: calendar)
        metric = row.metric.rawValue
        label = row.metric.label
        self.standing = standing.rawValue
        self.policyName = policyName
        dueAt = clock.dueAt(on: calendar)
        summary = switch standing {
        case .onTrack, .atRisk: "due in \(remaining.spokenDuration)"
        case .breached: "overdue by \(remaining.spokenDuration)"
        case .paused: remaining >= 0 ? "paused with \(remaining.spokenDuration) left" : "paused, overdue by \(remaining.spokenDuration)"
        case .met: "met"
        case .missed: "missed by \(remaining.spokenDuration)"
        }
    }
}
