import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

/// Something an agent should know about: an escalated or overdue ticket, a delay notice waiting
/// for them. Shown under Notifications in the workspace, and emailed when mail is set up.
final class AgentNotification: Model, @unchecked Sendable {
    static let schema = "agent_notifications"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "agent_id") var agentID: Int
    @OptionalField(key: "ticket_id") var ticketID: Int?
    @Field(key: "kind") var kind: String
    @Field(key: "text") var text: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    init() {}
}

struct CreateAgentNotifications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AgentNotification.schema)
            .intID()
            .field("agent_id", .int, .required)
            .field("ticket_id", .int)
            .field("kind", .string, .required)
            .field("text", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .foreignKey(
                "agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_agent_notifications_agent"
            )
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_agent_notifications_ticket"
            )
            .create()
        try await database.createIndex(
            "idx_agent_notifications_agent", on: AgentNotification.schema, columns: ["agent_id", "read_at", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AgentNotification.schema).delete()
    }
}

/// Writes and reads agents' notifications, and emails them through the outbox when mail can be
/// sent, as each agent chose on their profile.
///
/// Everything that happens to one ticket within a minute reaches an agent as one notification
/// and one email (an escalation that also reassigns the ticket, two clocks at risk at once):
/// the list shows the minute's rows as one, and an event joins the email about the same ticket
/// while that is still waiting in the outbox.
struct NotificationService: Sendable {
    let clock: any WallClock
    let mailSettings: MailSettingsStore
    let outbox: MailOutbox
    /// Where agents reach the workspace, for the link in every email.
    let publicURL: String

    static let mergeWindow: TimeInterval = 60

    enum Kind: String, Sendable {
        case slaEscalation = "sla_escalation"
        case slaBreach = "sla_breach"
        case delayNotice = "delay_notice"
        case assigned
        case customerReplied = "customer_replied"

        /// The preference that decides where this kind goes.
        func channels(in preferences: NotificationPreferences) -> NotificationPreferences.Channels {
            switch self {
            case .slaEscalation, .slaBreach, .delayNotice: preferences.sla
            case .assigned: preferences.assigned
            case .customerReplied: preferences.customerReplied
            }
        }
    }

    /// Notifies each agent once (duplicates in `agentIDs` are ignored), in the caller's transaction.
    func notify(
        _ agentIDs: [Int], kind: Kind, ticketID: Int?, text: String, emailSubject: String? = nil,
        in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let now = clock.now()
        var seen = Set<Int>()
        let line = String(text.prefix(1000))
        for agentID in agentIDs where seen.insert(agentID).inserted {
            guard let agent = try await Agent.find(agentID, on: db), agent.isActive else { continue }
            let channels = kind.channels(in: agent.notificationPreferences)
            if channels.inApp {
                try await show(line, kind: kind, to: agentID, ticketID: ticketID, now: now, on: db)
                tx.publish(
                    LiveEventDraft(
                        kind: .notification, ticketID: ticketID, audienceAgentID: agentID,
                        data: LiveEventData(text: line), at: now))
            }
            if channels.email {
                try await email(
                    line, subject: emailSubject ?? Self.subject(for: kind), to: agent, ticketID: ticketID, now: now,
                    in: tx)
            }
        }
    }

    static func subject(for kind: Kind) -> String {
        switch kind {
        case .slaEscalation: "A ticket is at risk of missing its target"
        case .slaBreach: "A ticket missed its target"
        case .delayNotice: "A delay notice is ready to send"
        case .assigned: "A ticket was assigned to you"
        case .customerReplied: "Your customer replied"
        }
    }

    /// A notification row for one event. Rows about the same ticket from the same minute are
    /// shown as one (see `NotificationGroup`).
    private func show(_ line: String, kind: Kind, to agentID: Int, ticketID: Int?, now: Date, on db: any Database)
        async throws
    {
        let notification = AgentNotification()
        notification.agentID = agentID
        notification.ticketID = ticketID
        notification.kind = kind.rawValue
        notification.text = line
        notification.createdAt = now
        try await notification.create(on: db)
    }

    /// The email of a notification, with the ticket's full link; joined to the one about the
    /// same ticket still waiting in the outbox.
    private func email(
        _ line: String, subject: String, to agent: Agent, ticketID: Int?, now: Date, in tx: WriteTransaction
    ) async throws {
        let db = tx.db
        let link = ticketID.map { "\(publicURL)/tickets/\($0)" } ?? "\(publicURL)/notifications"
        if let ticketID,
            let waiting = try await OutboundMail.query(on: db).filter(\.$kind == .notification).filter(
                \.$ticketID == ticketID
            )
            .filter(\.$primaryRecipient == agent.email.lowercased()).filter(\.$status == .queued).filter(
                \.$attempts == 0
            )
            .filter(\.$createdAt >= now.addingTimeInterval(-Self.mergeWindow)).sort(\.$id, .descending).first()
        {
            let earlier = Self.lines(ofNotificationEmail: waiting.raw)
            guard !earlier.contains(line) else { return }
            let lines = earlier + [line]
            let merged = "Ticket #\(ticketID): \(lines.count) updates"
            guard
                let prepared = try await outbox.prepareNotification(
                    to: agent, subject: merged, text: Self.body(lines: lines, link: link), ticketID: ticketID, in: tx)
            else { return }
            waiting.raw = String(decoding: prepared.email.render(), as: UTF8.self)
            waiting.emailMessageID = prepared.email.messageID
            try await waiting.update(on: db)
            return
        }
        guard
            let prepared = try await outbox.prepareNotification(
                to: agent, subject: subject, text: Self.body(lines: [line], link: link), ticketID: ticketID, in: tx)
        else { return }
        try await outbox.enqueue(prepared, kind: .notification, ticketID: ticketID, messageID: nil, in: tx)
    }

    static let linkIntroduction = "Open it in Rapport: "
    static let footer = "You get these emails because of your notification settings; change them under Your profile."

    static func body(lines: [String], link: String) -> String {
        lines.joined(separator: "\n\n") + "\n\n" + linkIntroduction + link + "\n\n" + footer
    }

    /// The notification lines of an email written by `body`, for adding one more.
    static func lines(ofNotificationEmail raw: String) -> [String] {
        let text = ParsedEmail(bytes: Array(raw.utf8)).text
        let content = text.components(separatedBy: "\n\n" + linkIntroduction).first ?? text
        return content.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter
        { !$0.isEmpty }
    }

    /// Unread notifications as the list shows them: one per ticket.
    func unreadCount(agentID: Int, on db: any Database) async throws -> Int {
        try await Self.unreadCount(agentID: agentID, on: db)
    }

    static func unreadCount(agentID: Int, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw("SELECT \(unreadCountExpression(agentID: agentID)) AS \"count\"").first()
        return try row?.decode(column: "count", as: Int.self) ?? 0
    }

    /// The unread count as an SQL expression, for pages that read it with other figures.
    static func unreadCountExpression(agentID: Int) -> SQLQueryString {
        "(SELECT COUNT(DISTINCT COALESCE(ticket_id, -id)) FROM agent_notifications WHERE agent_id = \(bind: agentID) AND read_at IS NULL)"
    }

    func recent(agentID: Int, limit: Int = 100, on db: any Database) async throws -> [AgentNotification] {
        try await AgentNotification.query(on: db).filter(\.$agentID == agentID).sort(\.$id, .descending).limit(limit)
            .all()
    }

    func markAllRead(agentID: Int, on db: any Database) async throws {
        try await db.sql.raw(
            "UPDATE agent_notifications SET read_at = \(bind: clock.now()) WHERE agent_id = \(bind: agentID) AND read_at IS NULL"
        ).run()
    }

    /// Marks a notification read, with the others about the same ticket from the same minute
    /// (shown with it as one); another agent's is "not found". Returns its ticket.
    @discardableResult
    func markRead(_ id: Int, agentID: Int, on db: any Database) async throws -> Int? {
        guard let notification = try await AgentNotification.find(id, on: db), notification.agentID == agentID else {
            throw RapportError.notFound("Notification \(id)")
        }
        let now = clock.now()
        if let ticketID = notification.ticketID {
            try await AgentNotification.query(on: db).filter(\.$agentID == agentID).filter(\.$ticketID == ticketID)
                .filter(\.$readAt == nil)
                .filter(\.$createdAt >= notification.createdAt.addingTimeInterval(-Self.mergeWindow))
                .filter(\.$createdAt <= notification.createdAt.addingTimeInterval(Self.mergeWindow))
                .set(\.$readAt, to: now).update()
        } else if notification.readAt == nil {
            notification.readAt = now
            try await notification.update(on: db)
        }
        return notification.ticketID
    }

    /// An agent opened a ticket: what told them about it is read.
    func markRead(ticketID: Int, agentID: Int, on db: any Database) async throws {
        try await db.sql.raw(
            """
            UPDATE agent_notifications SET read_at = \(bind: clock.now())
            WHERE agent_id = \(bind: agentID) AND ticket_id = \(bind: ticketID) AND read_at IS NULL
            """
        ).run()
    }
}

/// Notifications as the list shows them: the rows about one ticket from the same minute as one
/// entry with a line for each, newest first.
struct NotificationGroup: Sendable {
    let id: Int
    let ticketID: Int?
    let kind: String
    let lines: [String]
    let createdAt: Date
    let isUnread: Bool

    static func grouping(_ rows: [AgentNotification]) -> [NotificationGroup] {
        var groups: [NotificationGroup] = []
        var current: [AgentNotification] = []
        func close() {
            guard let newest = current.first, let id = newest.id else { return }
            groups.append(
                NotificationGroup(
                    id: id, ticketID: newest.ticketID, kind: current.last?.kind ?? newest.kind,
                    lines: current.reversed().map(\.text), createdAt: newest.createdAt,
                    isUnread: current.contains { $0.readAt == nil }))
            current = []
        }
        for row in rows.sorted(by: { ($0.id ?? 0) > ($1.id ?? 0) }) {
            if let first = current.first,
                first.ticketID == nil || row.ticketID != first.ticketID
                    || first.createdAt.timeIntervalSince(row.createdAt) > NotificationService.mergeWindow
            {
                close()
            }
            current.append(row)
        }
        close()
        return groups
    }
}
