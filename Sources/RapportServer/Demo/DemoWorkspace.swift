import Fluent
import Foundation
import RapportCore
import SQLKit
import Vapor

/// Fills an empty workspace with a believable help desk: teams, agents, organizations,
/// customers and tickets in every status with conversations that read like real support
/// traffic. The same seed gives the same workspace.
public struct DemoWorkspace: Sendable {
    public static let adminEmail = "demo@rapport.example"
    public static let adminPassword = "rapport-demo"

    public struct Summary: Sendable {
        public let agents: Int
        public let customers: Int
        public let tickets: Int
        public let messages: Int
    }

    public var customerCount = 200
    public var ticketCount = 1_000
    public var seed: UInt64 = 2026

    public init(customerCount: Int = 200, ticketCount: Int = 1_000, seed: UInt64 = 2026) {
        self.customerCount = customerCount
        self.ticketCount = ticketCount
        self.seed = seed
    }

    /// Whether the workspace already has tickets or agents, in which case seeding is skipped.
    public static func isSeeded(_ app: Application) async throws -> Bool {
        let agents = try await Agent.query(on: app.db).count()
        let tickets = try await Ticket.query(on: app.db).count()
        return agents > 0 || tickets > 0
    }

    public func seed(_ app: Application) async throws -> Summary {
        let services = app.rapport
        let now = services.settings.clock.now().roundedToMilliseconds
        let seed = self.seed
        // One bcrypt hash for every demo agent: they all share the demo password.
        let passwordHash = try await PasswordHashing(cost: services.settings.passwordHashCost).hash(Self.adminPassword)
        let (customerCount, ticketCount) = (self.customerCount, self.ticketCount)

        let summary = try await app.db.write { tx in
            let db = tx.db
            var random = DemoRandom(seed: seed)
            // Teams and agents.
            var teamIDs: [String: Int] = [:]
            for name in DemoPeople.teams {
                let team = Team()
                team.name = name
                team.description = "The \(name) team."
                team.createdAt = now.addingTimeInterval(-200 * 86_400)
                team.updatedAt = team.createdAt
                try await team.create(on: db)
                teamIDs[name] = try team.requireID
            }
            var agentsByTeam: [String: [(id: Int, firstName: String)]] = [:]
            let admin = try await Self.makeAgent(
                name: "Demo Admin", email: Self.adminEmail, isAdmin: true, passwordHash: passwordHash, now: now, on: db)
            for name in DemoPeople.teams {
                try await TeamMembership(teamID: teamIDs[name]!, agentID: admin, now: now).create(on: db)
            }
            for person in DemoPeople.agents {
                let email = person.name.lowercased().split(separator: " ").joined(separator: ".") + "@rapport.example"
                let id = try await Self.makeAgent(
                    name: person.name, email: email, isAdmin: person.isAdmin, passwordHash: passwordHash, now: now,
                    on: db)
                try await TeamMembership(teamID: teamIDs[person.team]!, agentID: id, now: now).create(on: db)
                agentsByTeam[person.team, default: []].append((id, String(person.name.split(separator: " ")[0])))
            }

            // Organizations and customers.
            var organizationIDs: [(id: Int, domain: String)] = []
            for (name, domain) in DemoPeople.organizations {
                let organization = Organization(
                    name: name, domain: domain, notes: "", now: now.addingTimeInterval(-300 * 86_400))
                try await organization.create(on: db)
                organizationIDs.append((try organization.requireID, domain))
            }
            var customers: [(id: Int, firstName: String)] = []
            var usedAddresses = Set<String>()
            for index in 0..<customerCount {
                let first = random.pick(DemoPeople.firstNames)
                let last = random.pick(DemoPeople.lastNames)
                let organization = random.chance(0.4) ? random.pick(organizationIDs) : nil
                let local = "\(first).\(last)".lowercased().folding(options: .diacriticInsensitive, locale: nil).filter
                { $0.isLetter || $0 == "." }
                var address = "\(local)@\(organization?.domain ?? random.pick(DemoPeople.personalMailDomains))"
                if !usedAddresses.insert(address).inserted {
                    address = "\(local)\(index)@\(organization?.domain ?? DemoPeople.personalMailDomains[0])"
                    usedAddresses.insert(address)
                }
                let customer = Customer()
                customer.isOrgManager = false
                customer.name = "\(first) \(last)"
                customer.phone =
                    random.chance(0.5)
                    ? "+44 20 7946 \(String(format: "%04d", Int.random(in: 0...9999, using: &random)))" : nil
                customer.locale = random.pick(["en", "en", "en-GB", "de", "fr", "es", "pt-BR"])
                customer.timeZone = random.pick([
                    "Europe/London", "Europe/Berlin", "Europe/Madrid", "America/New_York", "America/Sao_Paulo",
                    "Asia/Tokyo",
                ])
                customer.notes = random.chance(0.1) ? "Prefers phone calls in the afternoon." : ""
                customer.organizationID = organization?.id
                customer.createdAt =
                    now.addingTimeInterval(-Double.random(in: 130...400, using: &random) * 86_400).roundedToMilliseconds
                customer.updatedAt = customer.createdAt
                try await customer.create(on: db)
                let id = try customer.requireID
                try await CustomerEmail(
                    customerID: id, address: address, normalized: address.lowercased(), isPrimary: true,
                    now: customer.createdAt
                ).create(on: db)
                customers.append((id, first))
            }

            // Tickets, oldest first so numbers grow with time. Tickets are created one by one for
            // their ids; their messages, tags and events go in as bulk inserts.
            let statuses: [(TicketStatus, Double)] = [
                (.new, 0.08), (.open, 0.22), (.pending, 0.15), (.solved, 0.25), (.closed, 0.30),
            ]
            var rows = DemoRows()
            let starts = (0..<ticketCount).map { _ in Double.random(in: 0...1, using: &random) }.sorted()
            let ages = starts.map { 120.0 * (1 - $0) }  // days ago
            var ticketStatuses = ages.map { Self.status(forAgeInDays: $0, distribution: statuses, random: &random) }
            Self.coverEveryStatus(&ticketStatuses)
            for index in 0..<ticketCount {
                let age = ages[index]
                let status = ticketStatuses[index]
                let (customerID, customerFirst) = random.pick(customers)
                var answering: [String: (id: Int, firstName: String)] = [:]
                for team in DemoPeople.teams {
                    answering[team] = agentsByTeam[team].map { random.pick($0) } ?? (admin, "Demo")
                }
                let conversation = DemoConversationWriter.write(
                    status: status, customerFirstName: customerFirst,
                    agentFirstName: { answering[$0]?.firstName ?? "Demo" }, random: &random
                )
                let agentID = answering[conversation.team]?.id ?? admin
                let opened = now.addingTimeInterval(-age * 86_400).roundedToMilliseconds
                func at(_ hours: Double) -> Date {
                    min(now, opened.addingTimeInterval(hours * 3_600)).roundedToMilliseconds
                }

                let ticket = Ticket()
                ticket.subject = conversation.subject
                ticket.status = status
                ticket.priority = conversation.priority
                ticket.channel = conversation.channel
                ticket.requesterID = customerID
                ticket.assigneeID = status == .new && random.chance(0.7) ? nil : agentID
                ticket.teamID = teamIDs[conversation.team]
                ticket.createdAt = opened
                ticket.updatedAt = at(conversation.messages.last?.hoursAfterStart ?? 0)
                ticket.firstResponseAt = conversation.messages.first(where: { $0.author == .agent && $0.kind == .reply }
                ).map { at($0.hoursAfterStart) }
                if status == .solved || status == .closed { ticket.solvedAt = ticket.updatedAt }
                if status == .closed {
                    ticket.closedAt = min(now, ticket.updatedAt.addingTimeInterval(4 * 86_400)).roundedToMilliseconds
                }
                ticket.statusChangedAt = ticket.closedAt ?? ticket.updatedAt
                try await ticket.create(on: db)
                let ticketID = try ticket.requireID

                for line in conversation.messages {
                    // Customer messages get their mood, as they would arriving through the service.
                    let mood = line.author == .customer ? services.coach.moods.read(line.body) : nil
                    rows.messages.append([
                        SQLBind(ticketID), SQLBind(line.kind.rawValue), SQLBind(line.author.rawValue),
                        SQLBind(line.author == .agent ? agentID : nil),
                        SQLBind(line.author == .customer ? customerID : nil),
                        SQLBind(line.body), SQLBind(at(line.hoursAfterStart)),
                        SQLBind(mood?.sentiment), SQLBind(mood?.upset), SQLBind(mood?.churnRisk), SQLBind(mood?.urgent),
                    ])
                }
                for tag in conversation.tags { rows.tags.append([SQLBind(ticketID), SQLBind(tag)]) }
                rows.events.append([
                    SQLBind(ticketID), SQLBind(AuthorKind.customer.rawValue), SQLBind(customerID),
                    SQLBind(TicketChange.Field.created.rawValue), SQLBind(TicketStatus.new.rawValue), SQLBind(opened),
                ])
            }
            try await rows.insert(on: db)
            // The person trying the demo signs in as the admin: give them some open work.
            try await db.sql.raw(
                """
                UPDATE tickets SET assignee_id = \(bind: admin) WHERE id IN (
                    SELECT id FROM tickets WHERE status IN ('new', 'open') AND assignee_id IS NOT NULL ORDER BY updated_at DESC LIMIT 6)
                """
            ).run()
            try await Self.createMacros(teamIDs: teamIDs, now: now, on: db)
            try await TicketWaiting.backfill(on: db)
            try await Self.createServiceLevels(
                teamIDs: teamIDs, admin: services.serviceLevels, rules: services.automationAdmin, on: db)
            try await Self.startClocks(since: now.addingTimeInterval(-3 * 86_400), sla: services.sla, on: db)
            try await TicketSearch.rebuildAll(on: db)
            return Summary(
                agents: DemoPeople.agents.count + 1, customers: customerCount, tickets: ticketCount,
                messages: rows.messages.count)
        }
        // Articles are written through the knowledge base, which makes its own transactions.
        let adminID = try await Agent.query(on: app.db).filter(\.$email == Self.adminEmail).first()?.id
        try await Self.createHelpCenter(services.knowledgeBase, adminID: adminID, on: app.db)
        // The desk was written row by row, past the services that keep the cache current.
        await services.configuration.forget()
        return summary
    }

    /// Office hours, a standard SLA policy and two rules for pending tickets, as a desk would
    /// set them up in its first week.
    private static func createServiceLevels(
        teamIDs: [String: Int], admin: ServiceLevelAdmin, rules: AutomationAdmin, on db: any Database
    ) async throws {
        let weekdays = Array(repeating: "08:00-18:00", count: 5) + ["", ""]
        let calendarID = try await admin.saveCalendar(
            id: nil,
            .init(
                name: "Office hours", timeZone: "UTC", week: weekdays,
                holidays: "2026-12-25 Christmas Day\n2027-01-01 New Year's Day"), on: db)
        try await admin.savePolicy(
            id: nil,
            .init(
                name: "Standard support", position: 1, enabled: true, calendarID: calendarID, organizationIDs: [],
                customerTier: nil,
                targets: [
                    .urgent: SLATargets(firstResponseMinutes: 60, nextResponseMinutes: 60, resolutionMinutes: 480),
                    .high: SLATargets(firstResponseMinutes: 120, nextResponseMinutes: 240, resolutionMinutes: 960),
                    .normal: SLATargets(firstResponseMinutes: 480, nextResponseMinutes: 480, resolutionMinutes: 2_400),
                    .low: SLATargets(firstResponseMinutes: 960, nextResponseMinutes: 960, resolutionMinutes: 4_800),
                ],
                escalationPercent: 75, escalateToAgentID: nil, escalateRaisesPriority: false
            ), on: db)
        try await rules.saveRule(
            id: nil,
            .init(
                name: "Remind after three days pending", enabled: true, position: 1,
                definition: AutomationRuleDefinition(
                    trigger: .timeBased,
                    conditions: [
                        AutomationCondition(.status, .equals, "pending"),
                        AutomationCondition(.hoursInStatus, .atLeast, "72"),
                    ],
                    actions: [
                        AutomationAction(
                            .emailCustomer,
                            "Hi {{customer.first_name}},\n\nwe have not heard back from you about “{{ticket.subject}}”. Is there anything else we can do? Just reply to this message.\n\n{{agent.name}}"
                        )
                    ]
                )), on: db)
        try await rules.saveRule(
            id: nil,
            .init(
                name: "Billing questions to Billing", enabled: true, position: 2,
                definition: AutomationRuleDefinition(
                    trigger: .ticketCreated,
                    conditions: [
                        AutomationCondition(.text, .contains, "invoice"), AutomationCondition(.team, .equals, "none"),
                    ],
                    actions: [
                        AutomationAction(.setTeam, teamIDs["Billing"].map(String.init) ?? "none"),
                        AutomationAction(.addTag, "billing"),
                    ]
                )), on: db)
    }

    /// A small help center: the answers the demo conversations keep needing.
    private static func createHelpCenter(_ kb: KnowledgeBaseService, adminID: Int?, on db: any Database) async throws {
        var branding = HelpCenterBranding()
        branding.name = "Lumen Home Support"
        branding.tagline = "Help with your Lumen thermostat, orders and bills"
        try await WorkspaceSetting.store(branding, key: HelpCenterBranding.key, now: Date(), on: db)
        let heating = try await kb.saveCategory(
            id: nil, .init(name: "Heating and thermostats", description: "Getting warm again, fast.", position: 1),
            on: db)
        let billing = try await kb.saveCategory(
            id: nil, .init(name: "Billing", description: "Invoices, refunds and plans.", position: 2), on: db)
        let orders = try await kb.saveCategory(
            id: nil,
            .init(
                name: "Orders and delivery", description: "Where your order is and what to do if it is late.",
                position: 3), on: db)
        let articles: [(String, Int?, Bool, String)] = [
            (
                "Reset your thermostat", heating, false,
                "If the display shows an error code or the heating will not start:\n\n1. Hold **Menu** for ten seconds until the screen goes dark.\n2. Wait thirty seconds.\n3. Press **Menu** once; the thermostat restarts and keeps your schedule.\n\nStill cold after an hour? [Write to us](/help/contact) and mention the code on the display."
            ),
            (
                "What the E4 error code means", heating, false,
                "**E4** means the thermostat lost contact with the boiler.\n\n- Check that the boiler has power.\n- Move the thermostat closer to the boiler, or replace its batteries.\n\nMost E4 codes clear within a few minutes once the link is back."
            ),
            (
                "Understanding your invoice", billing, false,
                "Each invoice lists the plan, the period it covers and any one-off charges.\n\n| Line | Meaning |\n|---|---|\n| Plan | Your monthly or yearly subscription |\n| Pro rata | A partial period after a plan change |\n\nSee a charge you do not recognise? Reply to the invoice email and we will look at it the same day."
            ),
            (
                "How refunds work", billing, false,
                "Refunds go back to the card or account you paid with, within **5 business days** of approval. You get an email when we send it.\n\nBanks can take up to 3 more days to show it."
            ),
            (
                "Track your order", orders, false,
                "Your confirmation email has a tracking link. Orders leave our warehouse within one business day; delivery takes 2 to 4 days.\n\nNo movement for 3 days? [Contact us](/help/contact) with your order number (it starts with LM-)."
            ),
            (
                "Escalating heating outages (agents)", heating, true,
                "A customer without heating in winter is **urgent**: raise the priority, call them, and book the next engineer slot. Tell them the time you booked."
            ),
        ]
        for (title, category, isInternal, body) in articles {
            let id = try await kb.createArticle(
                .init(title: title, body: body, categoryID: category, isInternal: isInternal), by: adminID, on: db)
            try await kb.publish(articleID: id, locale: KnowledgeBaseService.defaultLocale, on: db)
        }
    }

    /// SLA clocks for the recent unresolved tickets, rebuilt from their history, so the demo's
    /// inbox shows what is due, at risk and overdue.
    private static func startClocks(since cutoff: Date, sla: SLAService, on db: any Database) async throws {
        let tickets = try await Ticket.query(on: db).filter(\.$status ~~ [.new, .open, .pending]).filter(
            \.$createdAt >= cutoff
        ).all()
        for ticket in tickets {
            var events: [(event: TicketSLAClocks.Event, at: Date)] = [
                (.created(status: .new, byCustomer: true), ticket.createdAt)
            ]
            if let answered = ticket.firstResponseAt { events.append((.agentReply(statusAfter: .open), answered)) }
            if let waiting = ticket.awaitingReplySince, waiting > (ticket.firstResponseAt ?? ticket.createdAt) {
                events.append((.customerMessage(statusAfter: .open), waiting))
            }
            if ticket.status == .pending {
                events.append((.statusChanged(to: .pending), ticket.statusChangedAt ?? ticket.updatedAt))
            }
            try await sla.sync(ticket, events: events, on: db)
            try await ticket.update(on: db)
        }
    }

    /// Saved replies a desk would have on its first day.
    private static func createMacros(teamIDs: [String: Int], now: Date, on db: any Database) async throws {
        let macros: [(title: String, body: String, status: TicketStatus?, tags: String)] = [
            (
                "Ask for details",
                "Hi {{customer.first_name}},\n\nthanks for getting in touch. So I can sort this out for you quickly, could you tell me the order number and what you see on the screen?\n\nBest regards,\n{{agent.first_name}}",
                .pending, "needs-info"
            ),
            (
                "Solved, happy to help",
                "Hi {{customer.first_name}},\n\nI'm glad that's working again. If anything else comes up, just reply to this message and I'll pick it up.\n\nBest regards,\n{{agent.first_name}}",
                .solved, ""
            ),
            (
                "Refund on its way",
                "Hi {{customer.first_name}},\n\nI've issued the refund for ticket #{{ticket.number}}; it reaches your account within 3-5 working days. Is there anything else I can do for you?\n\nBest regards,\n{{agent.first_name}}",
                .pending, "refund"
            ),
        ]
        for entry in macros {
            let macro = Macro()
            macro.title = entry.title
            macro.body = entry.body
            macro.setStatus = entry.status
            macro.assignToUser = false
            macro.addTags = entry.tags
            macro.createdAt = now
            macro.updatedAt = now
            try await macro.create(on: db)
        }
    }

    /// Rows collected for bulk insertion.
    private struct DemoRows {
        var messages: [[SQLBind]] = []
        var tags: [[SQLBind]] = []
        var events: [[SQLBind]] = []

        func insert(on db: any Database) async throws {
            try await Self.insert(
                messages, into: Message.schema,
                columns: [
                    "ticket_id", "kind", "author_kind", "author_agent_id", "author_customer_id", "body", "created_at",
                    "mood_sentiment", "mood_upset", "mood_churn_risk", "mood_urgent",
                ], on: db)
            try await Self.insert(tags, into: TicketTag.schema, columns: ["ticket_id", "tag"], on: db)
            try await Self.insert(
                events, into: TicketEvent.schema,
                columns: ["ticket_id", "actor_kind", "actor_customer_id", "field", "after", "created_at"], on: db)
        }

        private static func insert(_ rows: [[SQLBind]], into table: String, columns: [String], on db: any Database)
            async throws
        {
            for start in stride(from: 0, to: rows.count, by: 500) {
                var insert = db.sql.insert(into: table).columns(columns)
                for row in rows[start..<min(start + 500, rows.count)] { insert = insert.values(row) }
                try await insert.run()
            }
        }
    }

    /// A small workspace could miss a status by chance; give any missing one to a recent ticket
    /// (or, for closed, an old one) whose status is common.
    private static func coverEveryStatus(_ statuses: inout [TicketStatus]) {
        guard statuses.count >= TicketStatus.allCases.count else { return }
        for missing in TicketStatus.allCases where !statuses.contains(missing) {
            let counts = Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count)
            let candidates = missing == .closed ? Array(statuses.indices) : Array(statuses.indices.reversed())
            if let index = candidates.first(where: { counts[statuses[$0], default: 0] > 1 }) {
                statuses[index] = missing
            }
        }
    }

    /// Old tickets are mostly finished; recent ones are mostly still being worked.
    private static func status(
        forAgeInDays age: Double, distribution: [(TicketStatus, Double)], random: inout DemoRandom
    ) -> TicketStatus {
        if age > 30 { return random.chance(0.85) ? .closed : .solved }
        if age < 2 { return random.pick([.new, .new, .open, .pending]) }
        var roll = Double.random(in: 0..<1, using: &random)
        for (status, share) in distribution {
            roll -= share
            if roll < 0 { return status }
        }
        return .open
    }

    private static func makeAgent(
        name: String, email: String, isAdmin: Bool, passwordHash: String, now: Date, on db: any Database
    ) async throws -> Int {
        let agent = Agent()
        agent.name = name
        agent.email = email
        agent.role = isAdmin ? .admin : .agent
        agent.signature = "\(name.split(separator: " ")[0])\nLumen Home Support"
        agent.passwordHash = passwordHash
        agent.isActive = true
        agent.ticketScope = .all
        agent.createdAt = now.addingTimeInterval(-200 * 86_400)
        agent.updatedAt = agent.createdAt
        try await agent.create(on: db)
        return try agent.requireID
    }
}
