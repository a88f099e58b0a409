import Foundation

/// What an SLA promises: the first answer, each later answer, and the fix.
public enum SLAMetric: String, Sendable, Codable, CaseIterable, Hashable {
    case firstResponse = "first_response"
    case nextResponse = "next_response"
    case resolution

    public var label: String {
        switch self {
        case .firstResponse: "First response"
        case .nextResponse: "Next response"
        case .resolution: "Resolution"
        }
    }
}

/// Targets in minutes of business time; nil means the policy sets no target for that metric.
public struct SLATargets: Sendable, Codable, Hashable {
    public var firstResponseMinutes: Int?
    public var nextResponseMinutes: Int?
    public var resolutionMinutes: Int?

    public init(firstResponseMinutes: Int? = nil, nextResponseMinutes: Int? = nil, resolutionMinutes: Int? = nil) {
        self.firstResponseMinutes = firstResponseMinutes
        self.nextResponseMinutes = nextResponseMinutes
        self.resolutionMinutes = resolutionMinutes
    }

    public subscript(metric: SLAMetric) -> TimeInterval? {
        let minutes: Int? =
            switch metric {
            case .firstResponse: firstResponseMinutes
            case .nextResponse: nextResponseMinutes
            case .resolution: resolutionMinutes
            }
        return minutes.map { TimeInterval($0 * 60) }
    }

    public var isEmpty: Bool { firstResponseMinutes == nil && nextResponseMinutes == nil && resolutionMinutes == nil }
}

/// One running promise: how much business time has been used against a target.
///
/// Time is counted only while the clock runs, and only in the calendar's open hours. A paused
/// clock (ticket pending on the customer) keeps what it used; a stopped clock is finished, met or
/// not. The used time of the current run is never stored, it is computed from `runningSince`.
public struct SLAClock: Sendable, Codable, Hashable {
    public var target: TimeInterval
    public var startedAt: Date
    /// Business seconds used in earlier runs.
    public var usedBeforeRun: TimeInterval
    /// When the current run began; nil while paused or stopped.
    public var runningSince: Date?
    public var stoppedAt: Date?

    public init(
        target: TimeInterval, startedAt: Date, usedBeforeRun: TimeInterval = 0, runningSince: Date?,
        stoppedAt: Date? = nil
    ) {
        self.target = target
        self.startedAt = startedAt
        self.usedBeforeRun = usedBeforeRun
        self.runningSince = runningSince
        self.stoppedAt = stoppedAt
    }

    public static func started(target: TimeInterval, at now: Date) -> SLAClock {
        SLAClock(target: target, startedAt: now, runningSince: now)
    }

    public var isRunning: Bool { runningSince != nil && stoppedAt == nil }
    public var isPaused: Bool { runningSince == nil && stoppedAt == nil }
    public var isStopped: Bool { stoppedAt != nil }

    public func used(at now: Date, on calendar: BusinessCalendar) -> TimeInterval {
        guard let since = runningSince, stoppedAt == nil else { return usedBeforeRun }
        return usedBeforeRun + calendar.businessSeconds(from: since, to: now)
    }

    /// Business time left; negative when overdue.
    public func remaining(at now: Date, on calendar: BusinessCalendar) -> TimeInterval {
        target - used(at: now, on: calendar)
    }

    /// The share of the target used, 0 at the start and 1 at the deadline.
    public func shareUsed(at now: Date, on calendar: BusinessCalendar) -> Double {
        target > 0 ? used(at: now, on: calendar) / target : 1
    }

    /// When the clock reaches `share` of its target if it keeps running; nil while paused or
    /// stopped. A share already passed gives the start of the current run.
    public func moment(atShare share: Double, on calendar: BusinessCalendar) -> Date? {
        guard let since = runningSince, stoppedAt == nil else { return nil }
        return calendar.adding(businessSeconds: max(target * share - usedBeforeRun, 0), to: since)
    }

    public func dueAt(on calendar: BusinessCalendar) -> Date? { moment(atShare: 1, on: calendar) }

    /// Whether a stopped clock finished within its target; nil while it still counts.
    public var wasMet: Bool? { stoppedAt == nil ? nil : usedBeforeRun <= target }

    public mutating func pause(at now: Date, on calendar: BusinessCalendar) {
        guard let since = runningSince, stoppedAt == nil else { return }
        usedBeforeRun += calendar.businessSeconds(from: since, to: now)
        runningSince = nil
    }

    public mutating func resume(at now: Date) {
        guard runningSince == nil, stoppedAt == nil else { return }
        runningSince = now
    }

    public mutating func stop(at now: Date, on calendar: BusinessCalendar) {
        guard stoppedAt == nil else { return }
        pause(at: now, on: calendar)
        stoppedAt = now
    }

    /// Starts counting again after a stop, keeping the time already used (a reopened ticket's
    /// resolution clock).
    public mutating func restart(at now: Date) {
        stoppedAt = nil
        runningSince = now
    }
}

/// The SLA clocks of one ticket and how ticket events move them.
///
/// - First response starts when a customer opens the ticket and stops at the first public
///   reply from an agent.
/// - Next response starts when the customer writes after an answer and stops at the next reply.
/// - Resolution runs from creation until solved; reopening resumes it with the time already used.
/// - While the ticket is pending on the customer every clock pauses; solved or closed stops them.
public struct TicketSLAClocks: Sendable, Hashable {
    public enum Event: Sendable, Hashable {
        case created(status: TicketStatus, byCustomer: Bool)
        case customerMessage(statusAfter: TicketStatus)
        case agentReply(statusAfter: TicketStatus)
        case statusChanged(to: TicketStatus)
        /// The ticket now falls under other targets (a new priority or requester, an edited policy).
        case targetsChanged
    }

    public var clocks: [SLAMetric: SLAClock]

    public init(_ clocks: [SLAMetric: SLAClock] = [:]) { self.clocks = clocks }

    public subscript(metric: SLAMetric) -> SLAClock? {
        get { clocks[metric] }
        set { clocks[metric] = newValue }
    }

    public mutating func apply(_ event: Event, at now: Date, targets: SLATargets, calendar: BusinessCalendar) {
        switch event {
        case .created(let status, let byCustomer):
            if byCustomer, let target = targets[.firstResponse] {
                clocks[.firstResponse] = .started(target: target, at: now)
            }
            if let target = targets[.resolution] { clocks[.resolution] = .started(target: target, at: now) }
            follow(status: status, at: now, calendar: calendar)
        case .customerMessage(let statusAfter):
            let firstResponseOwed = clocks[.firstResponse].map { !$0.isStopped } ?? false
            if !firstResponseOwed, clocks[.nextResponse]?.isStopped ?? true, let target = targets[.nextResponse] {
                clocks[.nextResponse] = .started(target: target, at: now)
            }
            if var resolution = clocks[.resolution], resolution.isStopped {
                resolution.restart(at: now)
                clocks[.resolution] = resolution
            } else if clocks[.resolution] == nil, let target = targets[.resolution] {
                clocks[.resolution] = .started(target: target, at: now)
            }
            follow(status: statusAfter, at: now, calendar: calendar)
        case .agentReply(let statusAfter):
            clocks[.firstResponse]?.stop(at: now, on: calendar)
            clocks[.nextResponse]?.stop(at: now, on: calendar)
            follow(status: statusAfter, at: now, calendar: calendar)
        case .statusChanged(let status):
            follow(status: status, at: now, calendar: calendar)
        case .targetsChanged:
            for (metric, clock) in clocks where !clock.isStopped {
                if let target = targets[metric] { clocks[metric]?.target = target } else { clocks[metric] = nil }
            }
        }
    }

    private mutating func follow(status: TicketStatus, at now: Date, calendar: BusinessCalendar) {
        for metric in clocks.keys {
            switch status {
            case .pending: clocks[metric]?.pause(at: now, on: calendar)
            case .new, .open: clocks[metric]?.resume(at: now)
            case .solved, .closed: clocks[metric]?.stop(at: now, on: calendar)
            }
        }
    }

    /// The earliest deadline among the clocks that are counting.
    public func nextDue(on calendar: BusinessCalendar) -> Date? {
        clocks.values.compactMap { $0.dueAt(on: calendar) }.min()
    }
}

/// What has already been done about one clock, so each alert happens once per clock.
public struct SLAAlertMarks: Sendable, Hashable, Codable {
    public var escalatedAt: Date?
    public var breachedAt: Date?
    /// When the latest delay notice was prepared.
    public var delayNoticeAt: Date?
    /// How many delay notices this clock has had.
    public var delayNotices: Int
    /// The new time the latest notice gave the customer.
    public var promisedAt: Date?

    public init(
        escalatedAt: Date? = nil, breachedAt: Date? = nil, delayNoticeAt: Date? = nil, delayNotices: Int = 0,
        promisedAt: Date? = nil
    ) {
        self.escalatedAt = escalatedAt
        self.breachedAt = breachedAt
        self.delayNoticeAt = delayNoticeAt
        self.delayNotices = delayNotices
        self.promisedAt = promisedAt
    }
}

/// Something to do because a clock crossed a line.
public enum SLAAlert: String, Sendable, Hashable, Codable {
    /// The clock used its escalation share: tell the assignee and the team lead.
    case escalation
    /// The customer will not hear back in time: tell them, with a new time.
    case delayNotice = "delay_notice"
    /// The target passed.
    case breach
}

public enum SLAAlerts {
    /// A customer is told at most this many times that one answer will be late.
    public static let maximumDelayNotices = 3

    /// The alerts a clock is due at `now`, marking them in `marks` so a later call does not
    /// repeat them. A paused or stopped clock raises nothing new. A delay notice is only for the
    /// answers a customer waits for, not for the resolution target; when the time a notice
    /// promised is about to pass too, the customer hears again (up to `maximumDelayNotices`).
    /// The caller records the new promise in `marks.promisedAt`.
    public static func due(
        for metric: SLAMetric, clock: SLAClock, marks: inout SLAAlertMarks, escalationShare: Double,
        delayNoticeShare: Double?, at now: Date, on calendar: BusinessCalendar
    ) -> [SLAAlert] {
        guard clock.isRunning else { return [] }
        let share = clock.shareUsed(at: now, on: calendar)
        var alerts: [SLAAlert] = []
        if marks.escalatedAt == nil, share >= escalationShare {
            marks.escalatedAt = now
            alerts.append(.escalation)
        }
        if metric != .resolution, let noticeShare = delayNoticeShare,
            let moment = noticeMoment(clock: clock, marks: marks, share: noticeShare, on: calendar),
            now >= moment
        {
            marks.delayNoticeAt = now
            marks.delayNotices += 1
            alerts.append(.delayNotice)
        }
        if marks.breachedAt == nil, share >= 1 {
            marks.breachedAt = now
            alerts.append(.breach)
        }
        return alerts
    }

    /// The next moment `due` would have something to say, for scheduling and for the inbox's
    /// "at risk" mark; nil when nothing more can happen while the clock stands still.
    public static func nextAlertMoment(
        for metric: SLAMetric, clock: SLAClock, marks: SLAAlertMarks, escalationShare: Double,
        delayNoticeShare: Double?, on calendar: BusinessCalendar
    ) -> Date? {
        var shares: [Double] = []
        if marks.escalatedAt == nil { shares.append(escalationShare) }
        if marks.breachedAt == nil { shares.append(1) }
        var moments = shares.compactMap { clock.moment(atShare: $0, on: calendar) }
        if metric != .resolution, let noticeShare = delayNoticeShare,
            let notice = noticeMoment(clock: clock, marks: marks, share: noticeShare, on: calendar)
        {
            moments.append(notice)
        }
        return moments.min()
    }

    /// When the next delay notice is due: at `share` of the target for the first, and as long
    /// before a promised time as the first came before the deadline for each later one.
    static func noticeMoment(clock: SLAClock, marks: SLAAlertMarks, share: Double, on calendar: BusinessCalendar)
        -> Date?
    {
        guard clock.isRunning, marks.delayNotices < maximumDelayNotices else { return nil }
        guard marks.delayNotices > 0 else { return clock.moment(atShare: share, on: calendar) }
        guard let promised = marks.promisedAt, let last = marks.delayNoticeAt else { return nil }
        let lead = max(clock.target * (1 - share), 600)
        return max(promised.addingTimeInterval(-lead), last.addingTimeInterval(1))
    }
}
