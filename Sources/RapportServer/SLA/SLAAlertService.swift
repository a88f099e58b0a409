import FluentKit
import Foundation
import Logging
import NIOHTTP1
import RapportCore

/// The SLA check: for each ticket whose clocks crossed a line, escalates it, prepares or sends
/// the delay notice, and records the breach — each once, because the marks that say it happened
/// are written in the same transaction as what it did.
struct SLAAlertService: Sendable {
    let clock: any WallClock
    let sla: SLAService
    let tickets: TicketService
    let notifications: NotificationService
    let logger: Logger

    /// Handles every ticket with something due, a batch at a time. Returns how many it handled.
    @discardableResult
    func run(on db: any Database, batch: Int = 200) async throws -> Int {
        let now = clock.now()
        let due = try await Ticket.query(on: db).filter(\.$slaAlertAt <= now).sort(\.$slaAlertAt).limit(batch).all(
            \.$id)
        for ticketID in due {
            do {
                try await db.write { tx in try await check(ticketID: ticketID, in: tx) }
            } catch {
                logger.warning("SLA check of ticket #\(ticketID) failed: \(error)")
            }
        }
        return due.count
    }

    /// Checks one ticket inside the caller's transaction.
    func check(ticketID: Int, in tx: WriteTransaction) async throws {
        let db = tx.db
        let ticket: Ticket
        do { ticket = try await TicketService.findForUpdate(ticketID, on: db) } catch let error as RapportError
            where error.status.code == 404
        { return }
        let now = clock.now()
        let configuration = try await tickets.configuration.current(on: db).sla
        let rows = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        var raised: [(TicketSLAClock, SLAAlert)] = []
        for row in rows {
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            var marks = row.marks
            let alerts = SLAAlerts.due(
                for: row.metric, clock: row.clock, marks: &marks,
                escalationShare: Double(policy?.escalationPercent ?? 75) / 100,
                delayNoticeShare: configuration.settings.delayNoticeShare, at: now, on: calendar)
            guard !alerts.isEmpty else { continue }
            row.marks = marks
            try await row.update(on: db)
            raised += alerts.map { (row, $0) }
        }
        for (row, alert) in raised {
            let policy = configuration.policy(id: row.policyID)
            let calendar = configuration.calendar(for: policy)
            switch alert {
            case .escalation: try await escalate(ticket, clock: row, policy: policy, calendar: calendar, in: tx)
            case .breach: try await recordBreach(ticket, clock: row, calendar: calendar, in: tx)
            case .delayNotice:
                try await prepareDelayNotice(
                    ticket, clock: row, calendar: calendar, settings: configuration.settings, in: tx)
            }
        }
        // Escalation may have changed the ticket (a new priority retargets its clocks).
        guard let current = try await Ticket.find(ticketID, on: db) else { return }
        let fresh = try await TicketSLAClock.query(on: db).filter(\.$ticketID == ticketID).all()
        sla.updateTicketColumns(current, clocks: fresh, configuration: configuration)
        if current.hasChanges { try await current.update(on: db) }
    }

    // MARK: Escalation

    private func escalate(
        _ ticket: Ticket, clock row: TicketSLAClock, policy: SLAPolicy?, calendar: BusinessCalendar,
        in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let ticketID = try ticket.requireID
        let now = clock.now()
        let remaining = row.clock.remaining(at: now, on: calendar)
        let dueText = row.clock.dueAt(on: calendar).map { Self.wallTime($0, calendar: calendar) } ?? "soon"
        let percent = policy?.escalationPercent ?? 75
        try await recordEvent(
            .slaEscalated, ticketID: ticketID, before: row.metric.rawValue, after: "\(percent)%", in: tx)

        var changes = TicketUpdate()
        if let target = policy?.escalateToAgentID, target != ticket.assigneeID,
            try await Agent.find(target, on: db)?.isActive == true
        {
            changes.assigneeID = .set(target)
        }
        if policy?.escalateRaisesPriority == true, let raised = Self.raised(ticket.priority) {
            changes.priority = raised
        }
        if changes.assigneeID != .unchanged || changes.priority != nil {
            try await tickets.update(ticketID: ticketID, with: changes, by: .system, in: tx)
        }

        let text =
            "Ticket #\(ticketID) “\(ticket.subject)” is at risk: its \(row.metric.label.lowercased()) is due \(dueText) (\(remaining.spokenDuration) of business time left, \(percent)% used)."
        try await notifications.notify(
            try await escalationRecipients(ticketID: ticketID, on: db), kind: .slaEscalation, ticketID: ticketID,
            text: text,
            emailSubject: "At risk: \(row.metric.label.lowercased()) due \(dueText)", in: tx)
    }

    /// The assignee and the team lead; the admins when the ticket has neither.
    private func escalationRecipients(ticketID: Int, on db: any Database) async throws -> [Int] {
        guard let ticket = try await Ticket.find(ticketID, on: db) else { return [] }
        var recipients: [Int] = []
        if let assignee = ticket.assigneeID { recipients.append(assignee) }
        if let teamID = ticket.teamID, let lead = try await Team.find(teamID, on: db)?.leadAgentID {
            recipients.append(lead)
        }
        if recipients.isEmpty {
            recipients = try await Agent.query(on: db).filter(\.$role == .admin).filter(\.$isActive == true).all(\.$id)
        }
        return recipients
    }

    static func raised(_ priority: TicketPriority) -> TicketPriority? {
        switch priority {
        case .low: .normal
        case .normal: .high
        case .high: .urgent
        case .urgent: nil
        }
    }

    // MARK: Breach

    private func recordBreach(
        _ ticket: Ticket, clock row: TicketSLAClock, calendar: BusinessCalendar, in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let ticketID = try ticket.requireID
        try await recordEvent(.slaBreached, ticketID: ticketID, before: row.metric.rawValue, after: nil, in: tx)
        let text = "Ticket #\(ticketID) “\(ticket.subject)” missed its \(row.metric.label.lowercased()) target."
        try await notifications.notify(
            try await escalationRecipients(ticketID: ticketID, on: db), kind: .slaBreach, ticketID: ticketID,
            text: text,
            emailSubject: "Missed: \(row.metric.label.lowercased()) target", in: tx)
    }

    // MARK: Delay notice

    private func prepareDelayNotice(
        _ ticket: Ticket, clock row: TicketSLAClock, calendar: BusinessCalendar, settings: SLASettings,
        in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let ticketID = try ticket.requireID
        let now = clock.now()
        // The first notice gives a time after the deadline; a later one, after the time the
        // previous notice promised.
        let deadline = max(row.promisedAt ?? row.clock.dueAt(on: calendar) ?? now, now)
        let promised = calendar.adding(
            businessSeconds: TimeInterval(settings.delayNoticeExtensionMinutes * 60), to: deadline)
        row.promisedAt = promised
        try await row.update(on: db)
        let customer = try await Customer.find(ticket.requesterID, on: db)
        let mail = try await notifications.mailSettings.current(on: db)
        var values = MailOutbox.placeholders(
            customer: customer, ticketID: ticketID, subject: ticket.subject, workspace: mail.fromName)
        values["new_time"] = Self.wallTime(promised, calendar: calendar)
        let body = MailOutbox.fill(settings.delayNoticeText, values)
        let notice = DelayNotice()
        notice.ticketID = ticketID
        notice.metric = row.metric
        notice.body = body
        notice.promisedAt = promised
        notice.createdAt = now
        switch settings.delayNoticeMode {
        case .off:
            return
        case .draft:
            // A draft nobody acted on yet is brought up to date rather than joined by another.
            if let waiting = try await DelayNotice.query(on: db).filter(\.$ticketID == ticketID).filter(
                \.$metric == row.metric
            )
            .filter(\.$status == .draft).first() {
                waiting.body = body
                waiting.promisedAt = promised
                try await waiting.update(on: db)
                return
            }
            notice.status = .draft
            try await notice.create(on: db)
            if let assignee = ticket.assigneeID {
                try await notifications.notify(
                    [assignee], kind: .delayNotice, ticketID: ticketID,
                    text:
                        "Ticket #\(ticketID) will miss its \(row.metric.label.lowercased()): a delay notice for the customer is ready to send.",
                    in: tx)
            }
        case .send:
            notice.status = .sent
            notice.resolvedAt = now
            notice.messageID = try await tickets.addSystemMessage(.reply, body: body, toTicket: ticketID, in: tx)
            try await notice.create(on: db)
        }
        try await recordEvent(
            .delayNotice, ticketID: ticketID, before: row.metric.rawValue, after: notice.status.rawValue, in: tx)
    }

    /// Sends a prepared notice as a reply from the workspace, on an agent's word.
    func send(noticeID: Int, ticketID: Int, by agentID: Int, body: String?, on db: any Database) async throws {
        try await db.write { tx in
            guard let notice = try await DelayNotice.find(noticeID, on: tx.db), notice.ticketID == ticketID,
                notice.status == .draft
            else {
                throw RapportError.conflict("This delay notice was already sent or dismissed.")
            }
            let text =
                body.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
                ?? notice.body
            notice.body = String(text.prefix(TicketLimits.bodyMaximumLength))
            notice.messageID = try await tickets.addSystemMessage(.reply, body: notice.body, toTicket: ticketID, in: tx)
            notice.status = .sent
            notice.resolvedAt = clock.now()
            notice.resolvedByAgentID = agentID
            try await notice.update(on: tx.db)
            try await recordEvent(
                .delayNotice, ticketID: ticketID, before: notice.metric.rawValue, after: "sent",
                actor: .agent(id: agentID), in: tx)
        }
    }

    func dismiss(noticeID: Int, ticketID: Int, by agentID: Int, on db: any Database) async throws {
        try await db.write { tx in
            guard let notice = try await DelayNotice.find(noticeID, on: tx.db), notice.ticketID == ticketID,
                notice.status == .draft
            else { return }
            notice.status = .dismissed
            notice.resolvedAt = clock.now()
            notice.resolvedByAgentID = agentID
            try await notice.update(on: tx.db)
        }
    }

    // MARK: Helpers

    private func recordEvent(
        _ field: TicketChange.Field, ticketID: Int, before: String?, after: String?, actor: ActingParty = .system,
        in tx: WriteTransaction
    ) async throws {
        try await TicketEvent.record(
            TicketChange(field: field, before: before, after: after), ticketID: ticketID, by: actor, at: clock.now(),
            in: tx)
    }

    /// "Wednesday 9 December, 15:00 (Europe/Berlin)": a time as the calendar's team reads it.
    static func wallTime(_ instant: Date, calendar: BusinessCalendar) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: calendar.timeZoneIdentifier)
        formatter.dateFormat = "EEEE d MMMM, HH:mm"
        return "\(formatter.string(from: instant)) (\(calendar.timeZoneIdentifier))"
    }
}
