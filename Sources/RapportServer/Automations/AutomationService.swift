import FluentKit
import Foundation
import Logging
import RapportCore
import SQLKit

/// Runs the workspace's rules: trigger rules when a ticket is created or the customer writes,
/// time-based rules on a schedule, and the editor's preview of what a rule would match.
struct AutomationService: Sendable {
    let clock: any WallClock
    let tickets: TicketService
    let mailSettings: MailSettingsStore
    let logger: Logger

    /// How many open tickets the editor's preview looks at.
    static let previewScope = 2_000

    // MARK: Trigger rules

    /// Applies the matching trigger rules to the ticket, in position order, inside the caller's
    /// transaction (the job's), so a crash applies all of them or none.
    func runTriggers(_ job: AutomationTriggerJob, in tx: WriteTransaction) async throws {
        let db = tx.db
        let rules = try await AutomationRule.query(on: db).filter(\.$enabled == true).filter(\.$trigger == job.trigger)
            .sort(\.$position).sort(\.$id).all()
        for rule in rules {
            guard let facts = try await facts(for: [job.ticketID], on: db).first, facts.status != .closed else {
                return
            }
            guard rule.definition.matches(facts) else { continue }
            try await apply(rule, to: facts, in: tx)
        }
    }

    // MARK: Time-based rules

    /// Applies every time-based rule to the tickets that have waited long enough, each rule at
    /// most once per ticket and period of waiting. Each application is its own transaction.
    @discardableResult
    func runTimeRules(on db: any Database, perRule limit: Int = 500) async throws -> Int {
        let rules = try await AutomationRule.query(on: db).filter(\.$enabled == true).filter(\.$trigger == .timeBased)
            .sort(\.$position).sort(\.$id).all()
        var applied = 0
        for rule in rules {
            let definition = rule.definition
            guard definition.problems.isEmpty else { continue }
            for ticketID in try await timeRuleCandidates(rule, definition: definition, limit: limit, on: db) {
                let acted = try await db.write { tx -> Bool in
                    guard let facts = try await facts(for: [ticketID], on: tx.db).first, definition.matches(facts),
                        let anchor = definition.anchor(for: facts)
                    else { return false }
                    let ruleID = try rule.requireID
                    let already = try await AutomationFiring.query(on: tx.db).filter(\.$ruleID == ruleID).filter(
                        \.$ticketID == ticketID
                    )
                    .filter(\.$anchor == anchor).count()
                    guard already == 0 else { return false }
                    let firing = AutomationFiring()
                    firing.ruleID = ruleID
                    firing.ticketID = ticketID
                    firing.anchor = anchor
                    firing.createdAt = clock.now()
                    try await firing.create(on: tx.db)
                    try await apply(rule, to: facts, in: tx)
                    return true
                }
                if acted { applied += 1 }
            }
        }
        return applied
    }

    /// Tickets a time-based rule may act on, narrowed in SQL by its status and waiting conditions.
    private func timeRuleCandidates(
        _ rule: AutomationRule, definition: AutomationRuleDefinition, limit: Int, on db: any Database
    ) async throws -> [Int] {
        let now = clock.now()
        let ruleID = try rule.requireID
        var conditions: [SQLQueryString] = ["t.status <> 'closed'"]
        for condition in definition.conditions {
            switch (condition.field, condition.op) {
            case (.status, .equals): conditions.append("t.status = \(bind: condition.value)")
            case (.status, .notEquals): conditions.append("t.status <> \(bind: condition.value)")
            case (.hoursInStatus, .atLeast):
                let cutoff = now.addingTimeInterval(-(Double(condition.value) ?? 0) * 3600)
                conditions.append("t.status_changed_at <= \(bind: cutoff)")
            case (.hoursSinceUpdate, .atLeast):
                let cutoff = now.addingTimeInterval(-(Double(condition.value) ?? 0) * 3600)
                conditions.append("t.updated_at <= \(bind: cutoff)")
            default: break
            }
        }
        // Tickets already handled for the waiting period the rule measures are left out.
        switch definition.conditions.first(where: { $0.field.isDuration && $0.op == .atLeast })?.field {
        case .hoursInStatus?:
            conditions.append(
                "NOT EXISTS (SELECT 1 FROM automation_firings f WHERE f.rule_id = \(bind: ruleID) AND f.ticket_id = t.id AND f.anchor = t.status_changed_at)"
            )
        case .hoursSinceUpdate?:
            conditions.append(
                "NOT EXISTS (SELECT 1 FROM automation_firings f WHERE f.rule_id = \(bind: ruleID) AND f.ticket_id = t.id AND f.anchor = t.updated_at)"
            )
        default: break
        }
        let rows = try await db.sql.raw(
            "SELECT t.id AS id FROM tickets t WHERE \(conditions.joined(separator: " AND ")) ORDER BY t.id LIMIT \(bind: limit)"
        ).all()
        return try rows.map { try $0.decode(column: "id", as: Int.self) }
    }

    // MARK: Preview

    struct Preview: Sendable {
        let matched: [AutomationFacts]
        let matchCount: Int
        let examined: Int
    }

    /// Which of the most recently updated open tickets (and, for time-based rules, solved ones)
    /// the rule would act on now.
    func preview(_ definition: AutomationRuleDefinition, on db: any Database) async throws -> Preview {
        let statuses: [TicketStatus] =
            definition.trigger == .timeBased ? [.new, .open, .pending, .solved] : [.new, .open, .pending]
        let ids = try await Ticket.query(on: db).filter(\.$status ~~ statuses).sort(\.$updatedAt, .descending)
            .limit(Self.previewScope).all(\.$id)
        let facts = try await facts(for: ids, on: db)
        let matched = facts.filter(definition.matches)
        return Preview(matched: Array(matched.prefix(25)), matchCount: matched.count, examined: facts.count)
    }

    // MARK: Acting

    /// The rule's actions as one write to the ticket: its emails and notes, then its field
    /// changes, then the note in the history that the rule acted.
    private func apply(_ rule: AutomationRule, to facts: AutomationFacts, in tx: WriteTransaction) async throws {
        let ticketID = facts.ticketID
        var changes = TicketUpdate()
        var messages: [PreparedMessage] = []
        var values: [String: String]?
        for action in rule.definition.actions where action.problem == nil {
            switch action.kind {
            case .assign: changes.assigneeID = .set(Int(action.value))
            case .setTeam: changes.teamID = .set(Int(action.value))
            case .setPriority: changes.priority = TicketPriority(rawValue: action.value)
            case .setStatus:
                if let status = TicketStatus(rawValue: action.value) { changes.status = status }
            case .addTag: changes.addTags.append(action.value)
            case .removeTag: changes.removeTags.append(action.value)
            case .emailCustomer, .addNote:
                if values == nil { values = try await placeholders(ticketID: ticketID, on: tx.db) }
                messages.append(
                    TicketService.systemMessage(
                        action.kind == .emailCustomer ? .reply : .note,
                        body: MailOutbox.fill(action.value, values ?? [:])))
            }
        }
        let ruleName = rule.name
        try await tickets.write(ticketID: ticketID, by: .system, in: tx) { write in
            for message in messages { try await write.append(message) }
            // A status the ticket cannot move to from where it is now, an agent who left or a team
            // that was deleted is skipped, not an error: the rest of the rule still applies.
            let current = write.ticket.status
            if let status = changes.status,
                !TicketLifecycle.canTransition(from: current, to: status) || current == .closed
            {
                logger.info(
                    "rule “\(ruleName)” cannot move ticket #\(ticketID) from \(current.rawValue) to \(status.rawValue); skipped that action"
                )
                changes.status = nil
            }
            let directory = write.configuration.directory
            if case .set(let agentID?) = changes.assigneeID,
                directory.agents.first(where: { $0.id == agentID })?.isActive != true
            {
                changes.assigneeID = .unchanged
            }
            if case .set(let teamID?) = changes.teamID, !directory.teams.contains(where: { $0.id == teamID }) {
                changes.teamID = .unchanged
            }
            try await write.apply(changes)
            write.record(
                TicketChange(field: .automation, before: rule.id.map(String.init), after: ruleName), by: .system)
        }
        rule.firedCount += 1
        rule.lastFiredAt = clock.now()
        try await rule.update(on: tx.db)
    }

    private func placeholders(ticketID: Int, on db: any Database) async throws -> [String: String] {
        let ticket = try await TicketService.find(ticketID, on: db)
        let customer = try await Customer.find(ticket.requesterID, on: db)
        let assignee = ticket.assigneeID == nil ? nil : try await Agent.find(ticket.assigneeID, on: db)
        let mail = try await mailSettings.current(on: db)
        var values = MailOutbox.placeholders(
            customer: customer, ticketID: ticketID, subject: ticket.subject, workspace: mail.fromName)
        values["ticket.status"] = ticket.status.rawValue
        values["agent.name"] = assignee?.name ?? mail.fromName
        return values
    }

    // MARK: Facts

    private struct LatestCustomerMessage: Decodable {
        let ticketID: Int
        let body: String
        let createdAt: Date
        let moodSentiment: Double?
        let moodUpset: Bool?
        let moodChurnRisk: Bool?
        let moodUrgent: Bool?
    }

    /// The rules' view of each ticket, loaded in a few queries for the whole batch.
    func facts(for ticketIDs: [Int], on db: any Database) async throws -> [AutomationFacts] {
        guard !ticketIDs.isEmpty else { return [] }
        let now = clock.now()
        var result: [AutomationFacts] = []
        for chunk in stride(from: 0, to: ticketIDs.count, by: 500).map({
            Array(ticketIDs[$0..<min($0 + 500, ticketIDs.count)])
        }) {
            let tickets = try await Ticket.query(on: db).filter(\.$id ~~ chunk).all()
            let tags = Dictionary(
                grouping: try await TicketTag.query(on: db).filter(\.$ticketID ~~ chunk).all(), by: \.ticketID)
            let customerIDs = Array(Set(tickets.map(\.requesterID)))
            let customers = Dictionary(
                uniqueKeysWithValues: try await Customer.query(on: db).filter(\.$id ~~ customerIDs).all().compactMap {
                    c in c.id.map { ($0, c) }
                })
            let emails = Dictionary(
                grouping: try await CustomerEmail.query(on: db).filter(\.$customerID ~~ customerIDs).all(),
                by: \.customerID)
            let latest = try await db.sql.raw(
                """
                SELECT m.ticket_id AS "ticketID", m.body AS "body", m.created_at AS "createdAt", m.mood_sentiment AS "moodSentiment",
                       m.mood_upset AS "moodUpset", m.mood_churn_risk AS "moodChurnRisk", m.mood_urgent AS "moodUrgent"
                FROM messages m WHERE m.id IN (
                    SELECT MAX(x.id) FROM messages x WHERE x.ticket_id IN (\(binds: chunk)) AND x.author_kind = 'customer' GROUP BY x.ticket_id)
                """
            ).all(decoding: LatestCustomerMessage.self)
            let latestByTicket = Dictionary(latest.map { ($0.ticketID, $0) }, uniquingKeysWith: { first, _ in first })
            let order = Dictionary(uniqueKeysWithValues: chunk.enumerated().map { ($1, $0) })
            for ticket in tickets.sorted(by: { (order[$0.id ?? 0] ?? 0) < (order[$1.id ?? 0] ?? 0) }) {
                guard let id = ticket.id else { continue }
                let message = latestByTicket[id]
                var moods = Set<AutomationFacts.Mood>()
                if message?.moodUpset == true { moods.insert(.upset) }
                if message?.moodChurnRisk == true { moods.insert(.churnRisk) }
                if message?.moodUrgent == true { moods.insert(.urgent) }
                if let sentiment = message?.moodSentiment, sentiment <= -0.25 { moods.insert(.negative) }
                result.append(
                    AutomationFacts(
                        ticketID: id, status: ticket.status, priority: ticket.priority, channel: ticket.channel,
                        teamID: ticket.teamID,
                        assigneeID: ticket.assigneeID, organizationID: customers[ticket.requesterID]?.organizationID,
                        tags: (tags[id] ?? []).map(\.tag), subject: ticket.subject, latestCustomerText: message?.body,
                        moods: moods,
                        customerEmails: (emails[ticket.requesterID] ?? []).map(\.address), updatedAt: ticket.updatedAt,
                        statusChangedAt: ticket.statusChangedAt ?? ticket.updatedAt,
                        lastCustomerMessageAt: message?.createdAt, now: now
                    ))
            }
        }
        return result
    }
}
