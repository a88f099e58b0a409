import Foundation

/// When a rule is looked at: on a ticket event, or on a schedule against how long things have
/// been waiting.
public enum AutomationTrigger: String, Sendable, Codable, CaseIterable, Hashable {
    /// A ticket was created (any channel).
    case ticketCreated = "ticket_created"
    /// The customer wrote on an existing ticket.
    case customerReplied = "customer_replied"
    /// Checked every few minutes against every unsolved or solved ticket.
    case timeBased = "time_based"

    public var label: String {
        switch self {
        case .ticketCreated: "When a ticket is created"
        case .customerReplied: "When the customer replies"
        case .timeBased: "On a schedule (time-based)"
        }
    }
}

/// One test a ticket must pass for a rule to act on it.
public struct AutomationCondition: Sendable, Codable, Hashable {
    public enum Field: String, Sendable, Codable, CaseIterable, Hashable {
        case status, priority, channel, team, assignee, tag
        /// The subject and the customer's latest message.
        case text
        case mood
        case customerEmail = "customer_email"
        case organization
        case hoursSinceUpdate = "hours_since_update"
        case hoursInStatus = "hours_in_status"
        case hoursSinceCustomerReply = "hours_since_customer_reply"

        public var label: String {
            switch self {
            case .status: "Status"
            case .priority: "Priority"
            case .channel: "Channel"
            case .team: "Team"
            case .assignee: "Assignee"
            case .tag: "Tag"
            case .text: "Subject or message text"
            case .mood: "Customer mood"
            case .customerEmail: "Customer email or @domain"
            case .organization: "Organization"
            case .hoursSinceUpdate: "Hours since last update"
            case .hoursInStatus: "Hours in current status"
            case .hoursSinceCustomerReply: "Hours since the customer last wrote"
            }
        }

        public var isDuration: Bool {
            self == .hoursSinceUpdate || self == .hoursInStatus || self == .hoursSinceCustomerReply
        }
    }

    public enum Operator: String, Sendable, Codable, CaseIterable, Hashable {
        case equals = "is"
        case notEquals = "is_not"
        case contains
        case notContains = "not_contains"
        case atLeast = "at_least"
        case lessThan = "less_than"

        public var label: String {
            switch self {
            case .equals: "is"
            case .notEquals: "is not"
            case .contains: "contains"
            case .notContains: "does not contain"
            case .atLeast: "at least"
            case .lessThan: "less than"
            }
        }
    }

    public var field: Field
    public var op: Operator
    public var value: String

    public init(_ field: Field, _ op: Operator, _ value: String) {
        self.field = field
        self.op = op
        self.value = value.trimmingCharacters(in: .whitespaces)
    }

    /// Why this condition cannot be used, or nil.
    public var problem: String? {
        if value.isEmpty { return "\(field.label): give a value" }
        switch field {
        case .hoursSinceUpdate, .hoursInStatus, .hoursSinceCustomerReply:
            guard op == .atLeast || op == .lessThan else { return "\(field.label): use 'at least' or 'less than'" }
            guard let hours = Double(value), hours >= 0, hours <= 24 * 365 else {
                return "\(field.label): give a number of hours"
            }
        case .status:
            guard op == .equals || op == .notEquals else { return "Status: use 'is' or 'is not'" }
            guard TicketStatus(rawValue: value) != nil else {
                return "Status: '\(value)' is not one of new, open, pending, solved, closed"
            }
        case .priority:
            guard [.equals, .notEquals, .atLeast, .lessThan].contains(op) else {
                return "Priority: use is, is not, at least or less than"
            }
            guard TicketPriority(rawValue: value) != nil else {
                return "Priority: '\(value)' is not one of low, normal, high, urgent"
            }
        case .channel:
            guard op == .equals || op == .notEquals else { return "Channel: use 'is' or 'is not'" }
            guard TicketChannel(rawValue: value) != nil else {
                return "Channel: '\(value)' is not one of email, web, chat, phone, api"
            }
        case .team, .assignee, .organization:
            guard op == .equals || op == .notEquals else { return "\(field.label): use 'is' or 'is not'" }
            guard value == "none" || Int(value) != nil else { return "\(field.label): choose one from the list" }
        case .mood:
            guard op == .equals || op == .notEquals else { return "Mood: use 'is' or 'is not'" }
            guard AutomationFacts.Mood(rawValue: value) != nil else {
                return "Mood: '\(value)' is not one of upset, churn_risk, urgent, negative"
            }
        case .tag, .text, .customerEmail:
            guard [.equals, .notEquals, .contains, .notContains].contains(op) else {
                return "\(field.label): use is, is not, contains or does not contain"
            }
        }
        return nil
    }

    public func holds(for facts: AutomationFacts) -> Bool {
        switch field {
        case .status: return compare(facts.status.rawValue)
        case .priority:
            guard let wanted = TicketPriority(rawValue: value) else { return false }
            switch op {
            case .atLeast: return facts.priority >= wanted
            case .lessThan: return facts.priority < wanted
            default: return compare(facts.priority.rawValue)
            }
        case .channel: return compare(facts.channel.rawValue)
        case .team: return compare(facts.teamID.map(String.init) ?? "none")
        case .assignee: return compare(facts.assigneeID.map(String.init) ?? "none")
        case .organization: return compare(facts.organizationID.map(String.init) ?? "none")
        case .tag:
            let tags = facts.tags.map { $0.lowercased() }
            let wanted = value.lowercased()
            switch op {
            case .equals: return tags.contains(wanted)
            case .notEquals: return !tags.contains(wanted)
            case .contains: return tags.contains { $0.contains(wanted) }
            case .notContains: return !tags.contains { $0.contains(wanted) }
            default: return false
            }
        case .text: return textTest(facts.subject + "\n" + (facts.latestCustomerText ?? ""))
        case .customerEmail:
            let found = facts.customerEmails.contains { textTestPositive($0) }
            return op == .notEquals || op == .notContains ? !found : found
        case .mood:
            let present = AutomationFacts.Mood(rawValue: value).map { facts.moods.contains($0) } ?? false
            return op == .notEquals ? !present : present
        case .hoursSinceUpdate: return durationTest(since: facts.updatedAt, now: facts.now)
        case .hoursInStatus: return durationTest(since: facts.statusChangedAt, now: facts.now)
        case .hoursSinceCustomerReply:
            guard let last = facts.lastCustomerMessageAt else { return false }
            return durationTest(since: last, now: facts.now)
        }
    }

    private func compare(_ actual: String) -> Bool {
        let same = actual.caseInsensitiveCompare(value) == .orderedSame
        return op == .notEquals ? !same : same
    }

    private func textTestPositive(_ text: String) -> Bool {
        let haystack = text.lowercased()
        let needle = value.lowercased()
        if field == .customerEmail, needle.hasPrefix("@") { return haystack.hasSuffix(needle) }
        return op == .equals || op == .notEquals ? haystack == needle : haystack.contains(needle)
    }

    private func textTest(_ text: String) -> Bool {
        let found = textTestPositive(text)
        return op == .notEquals || op == .notContains ? !found : found
    }

    private func durationTest(since: Date, now: Date) -> Bool {
        guard let hours = Double(value) else { return false }
        let waited = now.timeIntervalSince(since)
        return op == .lessThan ? waited < hours * 3600 : waited >= hours * 3600
    }
}

/// What a rule does to a ticket that matches.
public struct AutomationAction: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, CaseIterable, Hashable {
        case assign
        case setTeam = "set_team"
        case setPriority = "set_priority"
        case setStatus = "set_status"
        case addTag = "add_tag"
        case removeTag = "remove_tag"
        /// A public reply to the customer, written from a template and sent by email.
        case emailCustomer = "email_customer"
        case addNote = "add_note"

        public var label: String {
            switch self {
            case .assign: "Assign to"
            case .setTeam: "Move to team"
            case .setPriority: "Set priority"
            case .setStatus: "Set status"
            case .addTag: "Add tag"
            case .removeTag: "Remove tag"
            case .emailCustomer: "Email the customer (template)"
            case .addNote: "Add an internal note"
            }
        }
    }

    public var kind: Kind
    public var value: String

    public init(_ kind: Kind, _ value: String) {
        self.kind = kind
        self.value = value.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var problem: String? {
        if value.isEmpty { return "\(kind.label): give a value" }
        switch kind {
        case .assign, .setTeam:
            if value != "none", Int(value) == nil { return "\(kind.label): choose one from the list" }
        case .setPriority:
            if TicketPriority(rawValue: value) == nil {
                return "Set priority: '\(value)' is not one of low, normal, high, urgent"
            }
        case .setStatus:
            guard let status = TicketStatus(rawValue: value), status != .new else {
                return "Set status: use open, pending, solved or closed"
            }
        case .addTag, .removeTag:
            if TagName.normalize([value]).tags.isEmpty {
                return "\(kind.label): '\(value.prefix(40))' is not a valid tag"
            }
        case .emailCustomer, .addNote:
            if value.count > 20_000 { return "\(kind.label): at most 20,000 characters" }
        }
        return nil
    }
}

/// A ticket as the rules see it.
public struct AutomationFacts: Sendable, Hashable {
    public enum Mood: String, Sendable, CaseIterable, Hashable {
        case upset
        case churnRisk = "churn_risk"
        case urgent
        case negative
    }

    public var ticketID: Int
    public var status: TicketStatus
    public var priority: TicketPriority
    public var channel: TicketChannel
    public var teamID: Int?
    public var assigneeID: Int?
    public var organizationID: Int?
    public var tags: [String]
    public var subject: String
    public var latestCustomerText: String?
    public var moods: Set<Mood>
    public var customerEmails: [String]
    public var updatedAt: Date
    public var statusChangedAt: Date
    public var lastCustomerMessageAt: Date?
    public var now: Date

    public init(
        ticketID: Int, status: TicketStatus, priority: TicketPriority, channel: TicketChannel, teamID: Int?,
        assigneeID: Int?,
        organizationID: Int?, tags: [String], subject: String, latestCustomerText: String?, moods: Set<Mood>,
        customerEmails: [String], updatedAt: Date, statusChangedAt: Date, lastCustomerMessageAt: Date?, now: Date
    ) {
        self.ticketID = ticketID
        self.status = status
        self.priority = priority
        self.channel = channel
        self.teamID = teamID
        self.assigneeID = assigneeID
        self.organizationID = organizationID
        self.tags = tags
        self.subject = subject
        self.latestCustomerText = latestCustomerText
        self.moods = moods
        self.customerEmails = customerEmails
        self.updatedAt = updatedAt
        self.statusChangedAt = statusChangedAt
        self.lastCustomerMessageAt = lastCustomerMessageAt
        self.now = now
    }
}

/// A rule: when it is looked at, what a ticket must satisfy (all conditions), what it does.
public struct AutomationRuleDefinition: Sendable, Codable, Hashable {
    public static let maximumConditions = 12
    public static let maximumActions = 12

    public var trigger: AutomationTrigger
    public var conditions: [AutomationCondition]
    public var actions: [AutomationAction]

    public init(trigger: AutomationTrigger, conditions: [AutomationCondition], actions: [AutomationAction]) {
        self.trigger = trigger
        self.conditions = conditions
        self.actions = actions
    }

    /// Everything wrong with the rule, for the editor to show.
    public var problems: [String] {
        var problems = conditions.compactMap(\.problem) + actions.compactMap(\.problem)
        if actions.isEmpty { problems.append("Add at least one action.") }
        if conditions.count > Self.maximumConditions {
            problems.append("At most \(Self.maximumConditions) conditions.")
        }
        if actions.count > Self.maximumActions { problems.append("At most \(Self.maximumActions) actions.") }
        if trigger == .timeBased, !conditions.contains(where: { $0.field.isDuration && $0.op == .atLeast }) {
            problems.append(
                "A time-based rule needs an 'hours … at least' condition, so it acts once a ticket has waited that long."
            )
        }
        return problems
    }

    public func matches(_ facts: AutomationFacts) -> Bool {
        if trigger == .timeBased, facts.status == .closed { return false }
        return conditions.allSatisfy { $0.holds(for: facts) }
    }

    /// For a time-based rule: the moment its waiting condition counts from, which names one
    /// "period of waiting" so the rule acts once per period (a ticket that goes pending again
    /// later can be reminded again).
    public func anchor(for facts: AutomationFacts) -> Date? {
        guard let condition = conditions.first(where: { $0.field.isDuration && $0.op == .atLeast }) else { return nil }
        switch condition.field {
        case .hoursSinceUpdate: return facts.updatedAt
        case .hoursInStatus: return facts.statusChangedAt
        case .hoursSinceCustomerReply: return facts.lastCustomerMessageAt
        default: return nil
        }
    }
}
