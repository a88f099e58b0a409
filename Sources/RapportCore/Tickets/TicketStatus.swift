/// Where a ticket is in its life. Stored as its raw value.
public enum TicketStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Arrived, nobody has acted on it yet.
    case new
    /// An agent is working on it and owes the customer the next step.
    case open
    /// Waiting on the customer; SLA clocks pause here.
    case pending
    /// The agent believes it is resolved; the customer can still reopen it by replying.
    case solved
    /// Archived. A closed ticket never changes again; a follow-up starts a new ticket.
    case closed

    /// Statuses an agent still has work to do on.
    public static let unresolved: Set<TicketStatus> = [.new, .open, .pending]

    public var isUnresolved: Bool { Self.unresolved.contains(self) }
}

/// An attempt to move a ticket into a status its current status does not allow.
public struct TicketTransitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let from: TicketStatus
    public let to: TicketStatus

    public init(from: TicketStatus, to: TicketStatus) {
        self.from = from
        self.to = to
    }

    public var description: String {
        if from == .closed {
            return "Ticket is closed and can no longer change; open a follow-up ticket instead."
        }
        let allowed = TicketLifecycle.allowedTargets(from: from).map(\.rawValue).sorted().joined(separator: ", ")
        return "A \(from.rawValue) ticket cannot become \(to.rawValue); allowed: \(allowed)."
    }
}

/// The rules for how tickets move between statuses.
///
/// ```
/// new ─┬─> open ──┬─> pending ─┐
///      │     ^    │     │      │
///      │     └────┼─────┘      │
///      └──────────┴─> solved <─┘ ──> closed
///                       │ (reopen)
///                       └──> open
/// ```
public enum TicketLifecycle {
    private static let transitions: [TicketStatus: Set<TicketStatus>] = [
        .new: [.open, .pending, .solved],
        .open: [.pending, .solved],
        .pending: [.open, .solved],
        .solved: [.open, .closed],
        .closed: [],
    ]

    /// The statuses a ticket in `status` may move to (excluding staying put).
    public static func allowedTargets(from status: TicketStatus) -> Set<TicketStatus> {
        transitions[status] ?? []
    }

    /// Whether `from → to` is allowed. Staying in the same status is not a change and always
    /// allowed; a closed ticket allows nothing else.
    public static func canTransition(from: TicketStatus, to: TicketStatus) -> Bool {
        if from == to { return true }
        return allowedTargets(from: from).contains(to)
    }

    /// Checks a requested transition, throwing a readable error if it is not allowed.
    public static func validate(from: TicketStatus, to: TicketStatus) throws(TicketTransitionError) {
        guard canTransition(from: from, to: to) else { throw TicketTransitionError(from: from, to: to) }
    }

    /// The status after the customer writes again: anything waiting on them or believed solved
    /// comes back to the agent's desk. `nil` for a closed ticket, which must not take new messages.
    public static func statusAfterCustomerMessage(_ current: TicketStatus) -> TicketStatus? {
        switch current {
        case .new: .new
        case .open, .pending, .solved: .open
        case .closed: nil
        }
    }

    /// The status after an agent's public reply when the agent did not choose one: a new ticket
    /// becomes open, anything else keeps its status.
    public static func statusAfterAgentReply(_ current: TicketStatus) -> TicketStatus {
        current == .new ? .open : current
    }
}
