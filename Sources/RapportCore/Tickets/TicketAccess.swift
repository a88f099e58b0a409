/// Which tickets an agent works on, as an admin sets it on the Agents page.
public enum TicketScope: String, Sendable, Codable, CaseIterable, Hashable {
    /// Every ticket in the workspace.
    case all
    /// The tickets of the agent's teams, and any ticket assigned to them.
    case teams

    public var label: String {
        switch self {
        case .all: "All tickets"
        case .teams: "Their teams' tickets"
        }
    }
}

/// What one agent may see and change: the answer to "may this agent open ticket #N?" for every
/// page, list, count, search and live event. Admins see everything.
public struct TicketAccess: Sendable, Equatable {
    public let agentID: Int
    /// The teams whose tickets the agent sees; nil when they see every ticket.
    public let teamIDs: Set<Int>?

    public init(agentID: Int, teamIDs: Set<Int>?) {
        self.agentID = agentID
        self.teamIDs = teamIDs
    }

    public init(agentID: Int, role: AgentRole, scope: TicketScope, teams: [Int]) {
        self.init(agentID: agentID, teamIDs: role == .admin || scope == .all ? nil : Set(teams))
    }

    public static func everything(agentID: Int) -> TicketAccess { TicketAccess(agentID: agentID, teamIDs: nil) }

    public var isRestricted: Bool { teamIDs != nil }

    /// Whether the agent may see a ticket in `teamID` assigned to `assigneeID`. A restricted
    /// agent does not see tickets without a team unless they are assigned them.
    public func allows(teamID: Int?, assigneeID: Int?) -> Bool {
        guard let teamIDs else { return true }
        if let assigneeID, assigneeID == agentID { return true }
        guard let teamID else { return false }
        return teamIDs.contains(teamID)
    }
}
