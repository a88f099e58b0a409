import Foundation

/// What decides which SLA policy a ticket falls under.
public struct SLASubject: Sendable, Hashable {
    public var priority: TicketPriority
    public var organizationID: Int?
    public var customerTier: String?

    public init(priority: TicketPriority, organizationID: Int?, customerTier: String?) {
        self.priority = priority
        self.organizationID = organizationID
        self.customerTier = customerTier
    }
}

/// An SLA policy as the clock logic sees it: who it covers and its targets per priority.
/// Policies are tried in position order and the first that covers a ticket applies.
public struct SLAPolicyRule: Sendable, Hashable {
    public var id: Int
    public var position: Int
    /// Empty: every organization (and customers without one).
    public var organizationIDs: Set<Int>
    /// Nil: every tier. Compared without regard to case.
    public var customerTier: String?
    public var targets: [TicketPriority: SLATargets]
    /// The share of a target at which the ticket is escalated, 0 < share < 1.
    public var escalationShare: Double

    public init(
        id: Int, position: Int, organizationIDs: Set<Int> = [], customerTier: String? = nil,
        targets: [TicketPriority: SLATargets], escalationShare: Double = 0.75
    ) {
        self.id = id
        self.position = position
        self.organizationIDs = organizationIDs
        self.customerTier = customerTier
        self.targets = targets
        self.escalationShare = escalationShare
    }

    public func covers(_ subject: SLASubject) -> Bool {
        if !organizationIDs.isEmpty {
            guard let organization = subject.organizationID, organizationIDs.contains(organization) else {
                return false
            }
        }
        if let tier = customerTier, !tier.isEmpty {
            guard let customerTier = subject.customerTier, customerTier.caseInsensitiveCompare(tier) == .orderedSame
            else { return false }
        }
        return !(targets[subject.priority]?.isEmpty ?? true)
    }

    /// The first policy, by position then id, that covers the subject.
    public static func matching(_ subject: SLASubject, in policies: [SLAPolicyRule]) -> SLAPolicyRule? {
        policies.sorted { ($0.position, $0.id) < ($1.position, $1.id) }.first { $0.covers(subject) }
    }
}

/// Where a clock stands, as agents read it.
public enum SLAStanding: String, Sendable, Hashable, Codable {
    case onTrack = "on_track"
    case atRisk = "at_risk"
    case breached
    case paused
    case met
    case missed

    public static func of(_ clock: SLAClock, escalationShare: Double, at now: Date, on calendar: BusinessCalendar)
        -> SLAStanding
    {
        if let met = clock.wasMet { return met ? .met : .missed }
        let share = clock.shareUsed(at: now, on: calendar)
        if share >= 1 { return .breached }
        if clock.isPaused { return .paused }
        return share >= escalationShare ? .atRisk : .onTrack
    }
}

extension TimeInterval {
    /// "2 h 5 min", "45 min", "3 d 4 h": a business-time span for people.
    public var spokenDuration: String {
        let minutes = Int((abs(self) / 60).rounded(.up))
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        let rest = minutes % 60
        if hours < 48 { return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min" }
        let days = hours / 24
        let restHours = hours % 24
        return restHours == 0 ? "\(days) d" : "\(days) d \(restHours) h"
    }
}
