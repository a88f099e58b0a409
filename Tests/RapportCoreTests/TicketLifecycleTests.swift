import RapportCore
import Testing

@Suite("Ticket lifecycle")
struct TicketLifecycleTests {
    static let allowed: [(TicketStatus, TicketStatus)] = [
        (.new, .open), (.new, .pending), (.new, .solved),
        (.open, .pending), (.open, .solved),
        (.pending, .open), (.pending, .solved),
        (.solved, .open), (.solved, .closed),
    ]

    @Test("every pair of statuses is allowed exactly when the rules say so")
    func transitionTable() {
        for from in TicketStatus.allCases {
            for to in TicketStatus.allCases {
                let expected = Self.allowed.contains { $0 == (from, to) } || from == to
                #expect(TicketLifecycle.canTransition(from: from, to: to) == expected, "\(from) → \(to)")
            }
        }
    }

    @Test("a closed ticket cannot change at all")
    func closedIsFinal() {
        #expect(TicketLifecycle.allowedTargets(from: .closed).isEmpty)
        for to in TicketStatus.allCases where to != .closed {
            #expect(throws: TicketTransitionError.self) { try TicketLifecycle.validate(from: .closed, to: to) }
        }
    }

    @Test("only solved tickets can be closed")
    func closeOnlyFromSolved() {
        for from in TicketStatus.allCases where from != .solved && from != .closed {
            #expect(!TicketLifecycle.canTransition(from: from, to: .closed), "\(from) → closed")
        }
    }

    @Test("a rejected transition explains what is allowed")
    func errorMessage() {
        let error = TicketTransitionError(from: .pending, to: .closed)
        #expect(error.description == "A pending ticket cannot become closed; allowed: open, solved.")
        #expect(TicketTransitionError(from: .closed, to: .open).description.contains("follow-up"))
    }

    @Test(
        "a customer writing again brings the ticket back to the agent",
        arguments: [
            (TicketStatus.new, TicketStatus?.some(.new)), (.open, .open), (.pending, .open), (.solved, .open),
            (.closed, nil),
        ])
    func customerMessage(current: TicketStatus, expected: TicketStatus?) {
        #expect(TicketLifecycle.statusAfterCustomerMessage(current) == expected)
    }

    @Test("an agent's reply opens a new ticket and leaves others as they are")
    func agentReply() {
        #expect(TicketLifecycle.statusAfterAgentReply(.new) == .open)
        for status in [TicketStatus.open, .pending, .solved] {
            #expect(TicketLifecycle.statusAfterAgentReply(status) == status)
        }
    }

    @Test("priorities are ordered from low to urgent")
    func priorityOrder() {
        #expect(TicketPriority.allCases.sorted() == [.low, .normal, .high, .urgent])
        #expect(TicketPriority.urgent > .high)
    }
}
