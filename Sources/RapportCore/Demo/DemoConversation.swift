import Foundation

/// One message of a demo conversation.
public struct DemoMessage: Sendable, Equatable {
    public let author: AuthorKind
    public let kind: MessageKind
    public let body: String
    /// Hours after the ticket was opened.
    public let hoursAfterStart: Double
}

/// A complete demo ticket: what it is about and what was said, consistent with its status.
public struct DemoConversation: Sendable, Equatable {
    public let subject: String
    public let team: String
    public let tags: [String]
    public let priority: TicketPriority
    public let channel: TicketChannel
    public let status: TicketStatus
    public let messages: [DemoMessage]
}

/// Writes believable support conversations for the demo workspace.
public enum DemoConversationWriter {
    public static var scenarioCount: Int { DemoScenario.all.count }

    public static let devices = [
        "Lumen Thermostat", "Lumen Thermostat Mini", "room sensor", "Lumen Hub", "radiator valve",
    ]

    /// A conversation whose messages match `status`: a new ticket has only the customer's
    /// message, a pending one ends with the agent's question, a solved one with the resolution.
    ///
    /// `agentFirstName` names the agent who answers for a team; the scenario decides the team.
    public static func write(
        status: TicketStatus, customerFirstName: String, agentFirstName: (_ team: String) -> String,
        random: inout DemoRandom
    ) -> DemoConversation {
        let scenario = random.pick(DemoScenario.all)
        let thread = random.pick(scenario.threads)
        let values: [String: String] = [
            "{customer}": customerFirstName,
            "{agent}": agentFirstName(scenario.team),
            "{order}": "LM-\(Int.random(in: 10000...99999, using: &random))",
            "{device}": random.pick(devices),
            "{amount}": String(
                format: "€%d.%02d", Int.random(in: 4...189, using: &random), random.pick([0, 49, 95, 99])),
            "{days}": String(Int.random(in: 2...9, using: &random)),
        ]
        func fill(_ template: String) -> String {
            values.reduce(template) { text, pair in text.replacingOccurrences(of: pair.key, with: pair.value) }
        }

        var messages: [DemoMessage] = []
        var hours = 0.0
        func add(_ author: AuthorKind, _ kind: MessageKind, _ template: String, after delay: ClosedRange<Double>) {
            hours += Double.random(in: delay, using: &random)
            messages.append(DemoMessage(author: author, kind: kind, body: fill(template), hoursAfterStart: hours))
        }

        add(.customer, .reply, thread.opening, after: 0...0)
        if status != .new {
            if random.chance(0.35) { add(.agent, .note, random.pick(scenario.internalNotes), after: 0.1...2) }
            add(.agent, .reply, thread.agentReply, after: 0.2...6)
            switch status {
            case .pending:
                break
            case .open:
                add(.customer, .reply, thread.customerFollowUp, after: 1...20)
            case .solved, .closed:
                add(.customer, .reply, thread.customerFollowUp, after: 1...20)
                add(.agent, .reply, thread.resolution, after: 0.5...24)
                if status == .closed, random.chance(0.5) {
                    add(
                        .customer, .reply,
                        random.pick(["Thanks again!", "Much appreciated, have a good week.", "Great, thank you."]),
                        after: 1...12)
                }
            case .new:
                break
            }
        }

        let channel: TicketChannel = random.pick([.email, .email, .email, .web, .web, .chat, .phone, .api])
        return DemoConversation(
            subject: fill(random.pick(thread.subjects)), team: scenario.team, tags: scenario.tags,
            priority: scenario.priority == .high && random.chance(0.2) ? .urgent : scenario.priority,
            channel: channel, status: status, messages: messages
        )
    }
}
