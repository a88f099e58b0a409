import Foundation

/// A made-up help desk of any size, for benchmarks: customers, agents, teams and tickets with
/// conversations, spread the way a real desk's are (most tickets old and closed, a backlog of
/// recent open ones, a few customers who write often, short messages more common than long).
///
/// Everything is a pure function of the seed and an id, so chunks can be generated in parallel
/// and the same `--tickets N` gives the same desk on SQLite and PostgreSQL.
public struct SyntheticDesk: Sendable {
    /// A word that appears in about one ticket in a hundred, and nowhere else: the search
    /// benchmark looks for it.
    public static let onePercentWord = "warranty"
    public static let agentCount = 20
    public static let teamNames = ["Customer Care", "Technical Support", "Billing", "Onboarding", "Escalations"]
    /// Every seeded agent signs in with this password.
    public static let agentPassword = "bench-password"

    public let ticketCount: Int
    public let customerCount: Int
    public let organizationCount: Int
    /// The moment the newest ticket was written; tickets reach back `history` before it.
    public let now: Date
    public let history: TimeInterval
    private let seed: UInt64

    public init(tickets: Int, now: Date, seed: UInt64 = 0x5241_5050_4F52_5421) {
        ticketCount = max(tickets, 1)
        customerCount = max(tickets / 10, 10)
        organizationCount = max(customerCount / 25, 2)
        self.now = now
        // About 900 tickets a day: a small desk has a short history, a million tickets three years.
        history = min(3 * 365 * 86_400, max(90 * 86_400, Double(tickets) * 95))
        self.seed = seed
    }

    // MARK: People

    public struct Agent: Sendable {
        public let id: Int
        public let name: String
        public let email: String
        public let isAdmin: Bool
        public let teamID: Int
    }

    public struct Organization: Sendable {
        public let id: Int
        public let name: String
        public let domain: String
    }

    public struct Customer: Sendable {
        public let id: Int
        public let name: String
        public let email: String
        public let organizationID: Int?
        public let createdAt: Date
    }

    /// Agent 1 is the administrator the benchmarks sign in as.
    public func agent(_ id: Int) -> Agent {
        var random = generator(stream: 1, id)
        let first = random.pick(DemoPeople.firstNames)
        let last = random.pick(DemoPeople.lastNames)
        return Agent(
            id: id, name: "\(first) \(last)", email: "agent\(id)@bench.rapport.example", isAdmin: id == 1,
            teamID: (id - 1) % Self.teamNames.count + 1)
    }

    public func organization(_ id: Int) -> Organization {
        var random = generator(stream: 2, id)
        let name = "\(random.pick(Self.companyWords)) \(random.pick(Self.companyKinds)) \(id)"
        return Organization(id: id, name: name, domain: "org\(id).bench.example")
    }

    public func customer(_ id: Int) -> Customer {
        var random = generator(stream: 3, id)
        let first = random.pick(DemoPeople.firstNames)
        let last = random.pick(DemoPeople.lastNames)
        let organizationID: Int? = random.chance(0.6) ? Int.random(in: 1...organizationCount, using: &random) : nil
        let domain = organizationID.map { "org\($0).bench.example" } ?? random.pick(DemoPeople.personalMailDomains)
        let local = "\(first).\(last)".folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
            .lowercased().filter { $0.isLetter || $0 == "." }
        return Customer(
            id: id, name: "\(first) \(last)", email: "\(local).\(id)@\(domain)", organizationID: organizationID,
            createdAt: now.addingTimeInterval(-history - 86_400 + Double(id) / Double(customerCount) * history))
    }

    // MARK: Tickets

    public struct Message: Sendable {
        public let kind: MessageKind
        public let authorKind: AuthorKind
        public let authorAgentID: Int?
        public let authorCustomerID: Int?
        public let body: String
        public let createdAt: Date
    }

    public struct Ticket: Sendable {
        public let id: Int
        public let subject: String
        public let status: TicketStatus
        public let priority: TicketPriority
        public let channel: TicketChannel
        public let requesterID: Int
        public let assigneeID: Int?
        public let teamID: Int?
        public let tags: [String]
        public let messages: [Message]
        public let createdAt: Date
        public let updatedAt: Date
        public let firstResponseAt: Date?
        public let solvedAt: Date?
        public let closedAt: Date?
        public let awaitingReplySince: Date?
    }

    public func ticket(_ id: Int) -> Ticket {
        var random = generator(stream: 4, id)
        let createdAt = now.addingTimeInterval(
            -history * (1 - Double(id) / Double(ticketCount)) - Double.random(in: 0..<600, using: &random))
        let age = now.timeIntervalSince(createdAt)
        let status = Self.status(age: age, using: &random)
        let priority = Self.weighted(
            [(TicketPriority.low, 20), (.normal, 60), (.high, 15), (.urgent, 5)], using: &random)
        let channel = Self.weighted(
            [(TicketChannel.email, 55), (.web, 20), (.chat, 12), (.phone, 8), (.api, 5)], using: &random)
        // A few customers write a lot: squaring a uniform number favours the low ids.
        let requesterID = 1 + Int(Double(customerCount) * pow(Double.random(in: 0..<1, using: &random), 2))
        let unassigned = status == .new ? random.chance(0.5) : random.chance(0.03)
        let assigneeID =
            unassigned ? nil : 1 + Int(Double(Self.agentCount) * pow(Double.random(in: 0..<1, using: &random), 1.3))
        let teamID: Int? =
            assigneeID.map { ($0 - 1) % Self.teamNames.count + 1 }
            ?? (random.chance(0.7) ? Int.random(in: 1...Self.teamNames.count, using: &random) : nil)
        let tags = Self.tags(using: &random)

        let customer = customer(requesterID)
        let topic = random.pick(Self.topics)
        let subject = "\(random.pick(topic.subjects)) \(random.pick(Self.subjectTails))".trimmingCharacters(
            in: .whitespaces)
        let mentionsWarranty = id % 100 == 37
        // A new ticket has only the customer's message; an answered one at least one reply.
        let messageCount =
            status == .new
            ? 1
            : max(
                status == .open ? 1 : 2,
                Self.weighted([(1, 10), (2, 15), (3, 20), (4, 20), (5, 15), (6, 10), (7, 5), (8, 5)], using: &random))
        // Solved and closed tickets end with an agent; open ones may wait on either side.
        let span =
            status.isUnresolved ? min(age * 0.9, 5 * 86_400) : Double.random(in: 3_600...(9 * 86_400), using: &random)
        var messages: [Message] = []
        messages.reserveCapacity(messageCount)
        var firstResponseAt: Date?
        var moment = createdAt
        var customerTurn = true
        for index in 0..<messageCount {
            if index > 0 {
                moment = moment.addingTimeInterval(
                    span / Double(messageCount) * Double.random(in: 0.5...1.5, using: &random))
            }
            let isLast = index == messageCount - 1
            if isLast, status == .solved || status == .closed || status == .pending { customerTurn = false }
            let writer = TextWriter(
                topic: topic, customerFirstName: String(customer.name.split(separator: " ").first ?? "there"))
            let body = writer.body(
                fromCustomer: customerTurn, mentioning: mentionsWarranty && index == 0 ? Self.onePercentWord : nil,
                using: &random)
            if customerTurn {
                messages.append(
                    Message(
                        kind: .reply, authorKind: .customer, authorAgentID: nil, authorCustomerID: requesterID,
                        body: body, createdAt: moment))
            } else {
                let author = assigneeID ?? Int.random(in: 1...Self.agentCount, using: &random)
                let isNote = !isLast && random.chance(0.08)
                messages.append(
                    Message(
                        kind: isNote ? .note : .reply, authorKind: .agent, authorAgentID: author, authorCustomerID: nil,
                        body: body, createdAt: moment))
                if !isNote, firstResponseAt == nil { firstResponseAt = moment }
            }
            customerTurn.toggle()
        }
        let updatedAt = messages.last?.createdAt ?? createdAt
        let solvedAt: Date? = status == .solved || status == .closed ? updatedAt : nil
        let lastFromCustomer = messages.last?.authorKind == .customer
        return Ticket(
            id: id, subject: subject, status: status, priority: priority, channel: channel, requesterID: requesterID,
            assigneeID: assigneeID, teamID: teamID, tags: tags, messages: messages, createdAt: createdAt,
            updatedAt: updatedAt,
            firstResponseAt: firstResponseAt, solvedAt: solvedAt,
            closedAt: status == .closed ? updatedAt.addingTimeInterval(4 * 86_400) : nil,
            awaitingReplySince: status.isUnresolved && lastFromCustomer ? updatedAt : nil
        )
    }

    /// A new request as a customer would write it, for the write benchmarks: a subject and a
    /// first message, different for each `index`.
    public func newRequest(_ index: Int) -> (subject: String, body: String) {
        var random = generator(stream: 5, index)
        let topic = random.pick(Self.topics)
        let writer = TextWriter(topic: topic, customerFirstName: random.pick(DemoPeople.firstNames))
        return (
            "\(random.pick(topic.subjects)) \(random.pick(Self.subjectTails))".trimmingCharacters(in: .whitespaces),
            writer.body(fromCustomer: true, mentioning: nil, using: &random)
        )
    }

    /// An agent's answer, for the reply benchmark.
    public func agentReply(_ index: Int) -> String {
        var random = generator(stream: 6, index)
        return TextWriter(topic: random.pick(Self.topics), customerFirstName: random.pick(DemoPeople.firstNames))
            .body(fromCustomer: false, mentioning: nil, using: &random)
    }

    /// Old tickets are closed; the last fortnight holds the open backlog.
    static func status(age: TimeInterval, using random: inout DemoRandom) -> TicketStatus {
        let day = 86_400.0
        if age < 3 * day {
            return weighted([(TicketStatus.new, 25), (.open, 45), (.pending, 20), (.solved, 10)], using: &random)
        } else if age < 14 * day {
            return weighted([(TicketStatus.open, 10), (.pending, 10), (.solved, 40), (.closed, 40)], using: &random)
        }
        return weighted([(TicketStatus.open, 5), (.pending, 5), (.solved, 40), (.closed, 950)], using: &random)
    }

    static func tags(using random: inout DemoRandom) -> [String] {
        let count = weighted([(0, 35), (1, 40), (2, 18), (3, 7)], using: &random)
        var chosen: [String] = []
        while chosen.count < count {
            // Popular tags first: a squared uniform index.
            let tag = tagNames[Int(Double(tagNames.count) * pow(Double.random(in: 0..<1, using: &random), 2))]
            if !chosen.contains(tag) { chosen.append(tag) }
        }
        return chosen
    }

    static func weighted<T>(_ choices: [(T, Int)], using random: inout DemoRandom) -> T {
        var roll = Int.random(in: 0..<choices.reduce(0) { $0 + $1.1 }, using: &random)
        for (value, weight) in choices {
            if roll < weight { return value }
            roll -= weight
        }
        return choices[choices.count - 1].0
    }

    private func generator(stream: UInt64, _ id: Int) -> DemoRandom {
        var mixer = DemoRandom(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(id) &* 0xD1B5_4A32_D192_ED03))
        return DemoRandom(seed: mixer.next())
    }
}
