/// How urgent a ticket is. Ordered from least to most urgent.
public enum TicketPriority: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case low, normal, high, urgent

    private var rank: Int {
        switch self {
        case .low: 0
        case .normal: 1
        case .high: 2
        case .urgent: 3
        }
    }

    public static func < (lhs: TicketPriority, rhs: TicketPriority) -> Bool { lhs.rank < rhs.rank }
}

/// How a ticket reached the desk.
public enum TicketChannel: String, Sendable, Codable, CaseIterable, Hashable {
    case email, web, chat, phone, api
}

/// Whether a message is part of the conversation with the customer or only for the team.
public enum MessageKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Visible to the customer.
    case reply
    /// Internal: never shown or sent to the customer.
    case note
}

/// Who wrote a message or made a change.
public enum AuthorKind: String, Sendable, Codable, CaseIterable, Hashable {
    case customer, agent, system
}

/// What an agent may do.
public enum AgentRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// Manages agents, teams and workspace settings, and everything an agent can do.
    case admin
    /// Works tickets and customers.
    case agent
}
