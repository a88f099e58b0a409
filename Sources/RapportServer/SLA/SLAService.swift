import FluentKit
import Foundation
import RapportCore

/// Keeps each ticket's SLA clocks in step with what happens to it, and answers where they stand.
///
/// Every ticket write asks for a `plan` (which policy covers the ticket, and where its clocks
/// stand after the write's events), `persist`s it, and stores on the ticket the nearest deadline
/// (for the inbox's "due next" order), when it becomes at risk, and when the SLA check next has
/// work for it. `sync` does all three at once for the demo desk's history.
struct SLAService: Sendable {
    let clock: any WallClock

    /// The policies, calendars and settings, held by the configuration cache.
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

    /// Moves the ticket's clocks for `event` and updates its SLA columns (the caller saves the
    /// ticket). Runs in the caller's transaction.
    func sync(_ ticket: Ticket, event: TicketSLAClocks.Event, now: Date, on db: any Database) async throws {
        try await sync(ticket, events: [(event, now)], on: db)
    }

    /// Moves the clocks through several events in order (rebuilding a ticket's history).
    func sync(_ ticket: Ticket, events: [(event: TicketSLAClocks.Event, at: Date)], on db: any Database) async throws {
        let ticketID = try ticket.requireID
        let rows = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        let configuration = try await Self.loadConfiguration(on: db)
        let customer = try await Customer.find(ticket.requesterID, on: db)
        guard
            let plan = plan(
                priority: ticket.priority, organizationID: customer?.organizationID, tier: customer?.tier,
                events: events,
                rows: rows, configuration: configuration)
        else { return }
        try await persist(plan, ticketID: ticketID, on: db)
        updateTicketColumns(ticket, clocks: plan.clocks, configuration: configuration)
    }

    /// What the clocks of one ticket become after some events, worked out in memory: the rows
    /// to create, change and delete. Nil when nothing can count (no policy covers the ticket and
    /// it has no clock).
    struct Plan {
        /// Every clock the ticket has afterwards (for its deadline columns).
        var clocks: [TicketSLAClock] = []
        var created: [TicketSLAClock] = []
        var changed: [TicketSLAClock] = []
        var deleted: [TicketSLAClock] = []
        /// Response clocks that stopped: a delay notice still waiting for them is moot.
        var answered: [SLAMetric] = []
    }

    func plan(
        priority: TicketPriority, organizationID: Int?, tier: String?,
        events: [(event: TicketSLAClocks.Event, at: Date)],
        rows: [TicketSLAClock], configuration: Configuration
    ) -> Plan? {
        guard let first = events.first else { return nil }
        if rows.isEmpty, !configuration.policies.contains(where: \.enabled) { return nil }
        let subject = SLASubject(priority: priority, organizationID: organizationID, customerTier: tier)
        let matched = SLAPolicyRule.matching(subject, in: configuration.rules)
        let policy = configuration.policy(id: matched?.id)
        let calendar = configuration.calendar(for: policy)
        let targets = matched?.targets[priority] ?? SLATargets()

        var clocks = TicketSLAClocks(Dictionary(uniqueKeysWithValues: rows.map { ($0.metric, $0.clock) }))
        if rows.contains(where: { !$0.clock.isStopped && $0.policyID != policy?.id }) {
            clocks.apply(.targetsChanged, at: first.at, targets: targets, calendar: calendar)
        }
        for (event, at) in events {
            clocks.apply(event, at: at, targets: targets, calendar: calendar)
        }

        var plan = Plan()
        for metric in SLAMetric.allCases {
            let row = rows.first { $0.metric == metric }
            switch (row, clocks[metric]) {
            case (nil, nil):
                continue
            case (let row?, nil):
                plan.deleted.append(row)
            case (nil, let clock?):
                guard let policyID = policy?.id else { continue }
                let created = TicketSLAClock()
                created.metric = metric
                created.policyID = policyID
                created.clock = clock
                created.marks = SLAAlertMarks()
                plan.created.append(created)
                plan.clocks.append(created)
            case (let row?, let clock?):
                if row.startedAt != clock.startedAt { row.marks = SLAAlertMarks() }  // a new cycle (next response)
                if !row.clock.isStopped, clock.isStopped, metric != .resolution { plan.answered.append(metric) }
                if !clock.isStopped, let policyID = policy?.id, row.policyID != policyID { row.policyID = policyID }
                if row.clock != clock { row.clock = clock }
                if row.hasChanges { plan.changed.append(row) }
                plan.clocks.append(row)
            }
        }
        return plan
    }

    /// Writes what a plan decided, in the caller's transaction.
    func persist(_ plan: Plan, ticketID: Int, in tx: WriteTransaction) async throws {
        try await persist(plan, ticketID: ticketID, on: tx.db)
    }

    private func persist(_ plan: Plan, ticketID: Int, on db: any Database) async throws {
        for row in plan.deleted { try await row.delete(on: db) }
        for row in plan.created { row.ticketID = ticketID }
        if !plan.created.isEmpty { try await plan.created.create(on: db) }  // one insert
        for row in plan.changed { try await row.update(on: db) }
        if !plan.answered.isEmpty {
            try await DelayNotice.query(on: db).filter(\.$ticketID == ticketID).filter(\.$metric ~~ plan.answered)
                .filter(\.$status == .draft)
                .set(\.$status, to: .dismissed).set(\.$resolvedAt, to: clock.now()).update()
        }
    }

    /// Stores on the ticket what the inbox and the SLA check read without loading clocks.
    func updateTicketColumns(_ ticket: Ticket, clocks rows: [TicketSLAClock], configuration: Configuration) {
        var due: [Date] = []
        var risk: [Date] = []
        var alert: [Date] = []
        let noticeShare = configuration.settings.delayNoticeShare
        for row in rows where row.clock.isRunning {
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            let share = Double(policy?.escalationPercent ?? 75) / 100
            if let moment = row.clock.dueAt(on: calendar) { due.append(moment) }
            if let moment = row.clock.moment(atShare: share, on: calendar) { risk.append(moment) }
            if let moment = SLAAlerts.nextAlertMoment(
                for: row.metric, clock: row.clock, marks: row.marks, escalationShare: share,
                delayNoticeShare: noticeShare, on: calendar)
            {
                alert.append(moment)
            }
        }
        ticket.slaDueAt = due.min()
        ticket.slaAtRiskAt = risk.min()
        ticket.slaAlertAt = alert.min()
    }

    /// Each clock of a ticket as the ticket page shows it.
    func standings(ticketID: Int, configuration: Configuration, on db: any Database) async throws -> [SLAClockView] {
        let rows = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        guard !rows.isEmpty else { return [] }
        let now = clock.now()
        return SLAMetric.allCases.compactMap { metric in
            guard let row = rows.first(where: { $0.metric == metric }) else { return nil }
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            return SLAClockView(
                row: row, policyName: policy?.name ?? "",
                escalationShare: Double(policy?.escalationPercent ?? 75) / 100,
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
        summary =
            switch standing {
            case .onTrack, .atRisk: "due in \(remaining.spokenDuration)"
            case .breached: "overdue by \(remaining.spokenDuration)"
            case .paused:
                remaining >= 0
                    ? "paused with \(remaining.spokenDuration) left" : "paused, overdue by \(remaining.spokenDuration)"
            case .met: "met"
            case .missed: "missed by \(remaining.spokenDuration)"
            }
    }
}
