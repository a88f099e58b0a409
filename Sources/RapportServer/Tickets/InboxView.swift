import FluentKit
import RapportCore
import Vapor

/// The shared views of the inbox. "Open" here means new or open: tickets waiting on the desk.
enum InboxView: String, CaseIterable, Sendable {
    case mine
    case unassigned
    case team
    case open
    case pending
    case solved

    var label: String {
        switch self {
        case .mine: "My open"
        case .unassigned: "Unassigned"
        case .team: "My teams"
        case .open: "All open"
        case .pending: "Pending"
        case .solved: "Solved"
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
        }
    }

    func filters(agentID: Int, teamIDs: [Int]) -> TicketListFilters {
        var filters = TicketListFilters()
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
        }
        return filters
    }
}

/// The number of tickets in each view for one agent.
struct InboxCounts: Content {
    let values: [String: Int]

    subscript(view: InboxView) -> Int? { values[view.rawValue] }

    static func load(agentID: Int, on database: any Database) async throws -> InboxCounts {
        let teamIDs = try await TeamMembership.teamIDs(ofAgent: agentID, on: database)
        let counts = try await TicketQueries.counts(InboxView.allCases.map { $0.filters(agentID: agentID, teamIDs: teamIDs) }, on: database)
        return InboxCounts(values: Dictionary(uniqueKeysWithValues: zip(InboxView.allCases.map(\.rawValue), counts)))
    }
}
