import FluentKit
import Foundation
import RapportCore
import SQLKit
import Vapor

/// The shared views of the inbox. "Open" here means new or open: tickets waiting on the desk.
enum InboxView: String, CaseIterable, Sendable {
    case mine
    case unassigned
    case team
    case open
    case pending
    case solved
    /// Open tickets at risk of missing an SLA target, or past it.
    case atRisk = "at-risk"

    var label: String {
        switch self {
        case .mine: "My open"
        case .unassigned: "Unassigned"
        case .team: "My teams"
        case .open: "All open"
        case .pending: "Pending"
        case .solved: "Solved"
        case .atRisk: "SLA at risk"
        }
    }

    /// What an empty view says, so an empty list reads as good news rather than a fault.
    var emptyMessage: String {
        switch self {
        case .mine: "Nothing assigned to you is open. Pick something from Unassigned?"
        case .unassigned: "Every open ticket has an owner."
        case .team: "Your teams have no open tickets."
        case .open: "No open tickets: everyone has an answer."
        case .pending: "No ticket is waiting on a customer."
        case .solved: "No solved tickets yet."
        case .atRisk: "Every SLA target is on track."
        }
    }

    /// The views whose counts change only when a ticket changes, so they can be cached.
    static let cacheable: [InboxView] = allCases.filter { $0 != .atRisk }

    func filters(agentID: Int, teamIDs: [Int], now: Date, access: TicketAccess? = nil) -> TicketListFilters {
        var filters = TicketListFilters()
        filters.access = access
        switch self {
        case .mine:
            filters.statuses = [.new, .open]
            filters.assignee = .agent(agentID)
        case .unassigned:
            filters.statuses = [.new, .open]
            filters.assignee = .unassigned
        case .team:
            filters.statuses = [.new, .open]
            // An agent in no team sees nothing here rather than everything.
            filters.teamIDs = teamIDs.isEmpty ? [-1] : teamIDs
        case .open:
            filters.statuses = [.new, .open]
        case .pending:
            filters.statuses = [.pending]
        case .solved:
            filters.statuses = [.solved]
        case .atRisk:
            filters.statuses = [.new, .open]
            filters.slaAtRiskBy = now
        }
        return filters
    }
}

/// The number of tickets in each view for one agent.
struct InboxCounts: Content {
    let values: [String: Int]

    subscript(view: InboxView) -> Int? { values[view.rawValue] }

    /// The views' counts and the agent's unread notifications. The SLA view changes as time
    /// passes, not only when tickets do, so it and the notifications are counted every time, in
    /// the same query that reads whether the cached counts still hold.
    static func load(access: TicketAccess, teamIDs: [Int], cache: InboxCountCache, now: Date, on database: any Database)
        async throws -> InboxCounts
    {
        let agentID = access.agentID
        struct Live: Decodable {
            let latestUpdate: Date?
            let highestID: Int?
            let atRisk: Int
            let notifications: Int
        }
        let atRisk = InboxView.atRisk.filters(agentID: agentID, teamIDs: teamIDs, now: now, access: access)
        let live = try await database.sql.raw(
            """
            SELECT \(InboxCountCache.Stamp.expression), \(TicketQueries.countExpression(atRisk)) AS "atRisk",
                   \(NotificationService.unreadCountExpression(agentID: agentID)) AS "notifications"
            """
        ).first(decoding: Live.self)
        let stamp = InboxCountCache.Stamp(latestUpdate: live?.latestUpdate, highestID: live?.highestID)
        var values: [String: Int]
        if let cached = await cache.counts(access: access, teamIDs: teamIDs, stamp: stamp) {
            values = cached.values
        } else {
            let counts = try await TicketQueries.counts(
                InboxView.cacheable.map { $0.filters(agentID: agentID, teamIDs: teamIDs, now: now, access: access) },
                on: database)
            let cached = InboxCounts(
                values: Dictionary(uniqueKeysWithValues: zip(InboxView.cacheable.map(\.rawValue), counts)))
            await cache.store(cached, access: access, teamIDs: teamIDs, stamp: stamp)
            values = cached.values
        }
        values[InboxView.atRisk.rawValue] = live?.atRisk ?? 0
        values["notifications"] = live?.notifications ?? 0
        return InboxCounts(values: values)
    }
}

/// Remembers each agent's view counts until any ticket changes.
///
/// Counting open and solved tickets reads a large part of an index; the latest update time and
/// the highest ticket number are two index lookups. Every change to a ticket moves one of them,
/// on every instance sharing the database, so a cached count is never stale.
actor InboxCountCache {
    struct Stamp: Equatable, Sendable, Decodable {
        let latestUpdate: Date?
        let highestID: Int?

        /// The stamp's two columns, for a SELECT list.
        static let expression: SQLQueryString =
            #"(SELECT MAX(updated_at) FROM tickets) AS "latestUpdate", (SELECT MAX(id) FROM tickets) AS "highestID""#
    }

    private struct Entry {
        let access: TicketAccess
        let teamIDs: [Int]
        let stamp: Stamp
        let counts: InboxCounts
    }

    private var entries: [Int: Entry] = [:]
    private let capacity = 5_000

    func counts(access: TicketAccess, teamIDs: [Int], stamp: Stamp) -> InboxCounts? {
        guard let entry = entries[access.agentID], entry.stamp == stamp, entry.teamIDs == teamIDs,
            entry.access == access
        else { return nil }
        return entry.counts
    }

    func store(_ counts: InboxCounts, access: TicketAccess, teamIDs: [Int], stamp: Stamp) {
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[access.agentID] = Entry(access: access, teamIDs: teamIDs, stamp: stamp, counts: counts)
    }
}
