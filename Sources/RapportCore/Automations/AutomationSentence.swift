import Foundation

/// A rule in words, as an admin reads it in the list: "If the status is Pending and it has been
/// in that status for at least 72 hours: email the customer, then set the status to Solved."
public struct AutomationSentence: Sendable {
    /// Names for the ids a rule stores: an agent, a team, an organization.
    public var agentName: @Sendable (Int) -> String?
    public var teamName: @Sendable (Int) -> String?
    public var organizationName: @Sendable (Int) -> String?

    public init(
        agentName: @escaping @Sendable (Int) -> String?, teamName: @escaping @Sendable (Int) -> String?,
        organizationName: @escaping @Sendable (Int) -> String?
    ) {
        self.agentName = agentName
        self.teamName = teamName
        self.organizationName = organizationName
    }

    public func describe(_ definition: AutomationRuleDefinition) -> String {
        let conditions = definition.conditions.map(describe)
        let actions = definition.actions.map(describe)
        let doing = actions.isEmpty ? "do nothing" : Self.list(actions, joiner: "then")
        guard !conditions.isEmpty else { return "For every ticket: " + doing + "." }
        return "If " + Self.list(conditions, joiner: "and") + ": " + doing + "."
    }

    public func describe(_ condition: AutomationCondition) -> String {
        let value = condition.value
        let negative = condition.op == .notEquals || condition.op == .notContains
        func isOrNot(_ text: String) -> String { (negative ? "is not " : "is ") + text }
        func hours(_ text: String) -> String {
            let amount = Double(text).map { $0 == $0.rounded() ? String(Int($0)) : String($0) } ?? text
            return amount == "1" ? "1 hour" : "\(amount) hours"
        }
        let atLeast = condition.op == .lessThan ? "less than" : "at least"
        switch condition.field {
        case .status:
            return "the status "
                + isOrNot(TicketStatus(rawValue: value).map { $0.rawValue.capitalizedFirstLetter } ?? value)
        case .priority:
            let name = TicketPriority(rawValue: value).map { $0.rawValue.capitalizedFirstLetter } ?? value
            switch condition.op {
            case .atLeast: return "the priority is \(name) or higher"
            case .lessThan: return "the priority is lower than \(name)"
            default: return "the priority " + isOrNot(name)
            }
        case .channel:
            let name = TicketChannel(rawValue: value).map(Self.channelName) ?? value
            return negative ? "it did not come by \(name)" : "it came by \(name)"
        case .team:
            if value == "none" { return negative ? "it has a team" : "it has no team" }
            let name = Int(value).flatMap(teamName) ?? "team \(value)"
            return negative ? "it is not with \(name)" : "it is with \(name)"
        case .assignee:
            if value == "none" { return negative ? "it is assigned" : "it is unassigned" }
            let name = Int(value).flatMap(agentName) ?? "agent \(value)"
            return negative ? "it is not assigned to \(name)" : "it is assigned to \(name)"
        case .organization:
            if value == "none" {
                return negative ? "the customer belongs to an organization" : "the customer belongs to no organization"
            }
            let name = Int(value).flatMap(organizationName) ?? "organization \(value)"
            return negative ? "the customer is not with \(name)" : "the customer is with \(name)"
        case .tag:
            switch condition.op {
            case .contains: return "a tag contains “\(value)”"
            case .notContains: return "no tag contains “\(value)”"
            case .notEquals: return "it is not tagged \(value)"
            default: return "it is tagged \(value)"
            }
        case .text:
            return "the subject or the customer's message "
                + (negative ? "does not contain" : condition.op == .equals ? "is" : "contains") + " “\(value)”"
        case .mood:
            let mood: String =
                switch AutomationFacts.Mood(rawValue: value) {
                case .upset: "upset"
                case .churnRisk: "thinking of leaving"
                case .urgent: "in a hurry"
                case .negative: "unhappy"
                case nil: value
                }
            return "the customer " + (negative ? "is not " : "is ") + mood
        case .customerEmail:
            if value.hasPrefix("@") {
                return "the customer's address " + (negative ? "does not end" : "ends") + " with \(value)"
            }
            return "the customer's address "
                + (condition.op == .contains || condition.op == .notContains
                    ? (negative ? "does not contain " : "contains ") : isOrNot("")) + value
        case .hoursSinceUpdate: return "it has not been updated for \(atLeast) \(hours(value))"
        case .hoursInStatus: return "it has been waiting in its status for \(atLeast) \(hours(value))"
        case .hoursSinceCustomerReply: return "the customer last wrote \(atLeast) \(hours(value)) ago"
        }
    }

    public func describe(_ action: AutomationAction) -> String {
        let value = action.value
        switch action.kind {
        case .assign:
            if value == "none" { return "unassign it" }
            return "assign it to " + (Int(value).flatMap(agentName) ?? "agent \(value)")
        case .setTeam:
            if value == "none" { return "remove its team" }
            return "move it to " + (Int(value).flatMap(teamName) ?? "team \(value)")
        case .setPriority:
            return "set the priority to "
                + (TicketPriority(rawValue: value).map { $0.rawValue.capitalizedFirstLetter } ?? value)
        case .setStatus:
            return "set the status to "
                + (TicketStatus(rawValue: value).map { $0.rawValue.capitalizedFirstLetter } ?? value)
        case .addTag: return "add the tag \(value)"
        case .removeTag: return "remove the tag \(value)"
        case .emailCustomer: return "email the customer"
        case .addNote: return "add an internal note"
        }
    }

    static func channelName(_ channel: TicketChannel) -> String {
        switch channel {
        case .email: "email"
        case .web: "the web form"
        case .chat: "chat"
        case .phone: "phone"
        case .api: "the API"
        }
    }

    /// "a, b and c" / "a, then b, then c".
    static func list(_ parts: [String], joiner: String) -> String {
        if joiner == "then" { return parts.joined(separator: ", then ") }
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " and " + parts[parts.count - 1]
    }
}

extension String {
    var capitalizedFirstLetter: String { prefix(1).uppercased() + dropFirst() }
}
