import FluentKit
import Foundation
import RapportCore
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
            .foreignKey("agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_agent_notifications_agent")
            .foreignKey("ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_agent_notifications_ticket")
            .create()
        try await database.createIndex("idx_agent_notifications_agent", on: AgentNotification.schema, columns: ["agent_id", "read_at", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AgentNotification.schema).delete()
    }
}

/// Writes and reads agents' notifications; emails them through the outbox when mail can be sent.
struct NotificationService: Sendable {
    let clock: any WallClock
    let mailSettings: MailSettingsStore
    let outbox: MailOutbox

    enum Kind: String, Sendable {
        case slaEscalation = "sla_escalation"
        case slaBreach = "sla_breach"
        case delayNotice = "delay_notice"
    }

    /// Notifies each agent once (duplicates in `agentIDs` are ignored), in the caller's transaction.
    func notify(_ agentIDs: [Int], kind: Kind, ticketID: Int?, text: String, emailSubject: String? = nil, on db: any Database) async throws {
        let now = clock.now()
        var seen = Set<Int>()
        for agentID in agentIDs where seen.insert(agentID).inserted {
            let notification = AgentNotification()
            notification.agentID = agentID
            notification.ticketID = ticketID
            notification.kind = kind.rawValue
            notification.text = String(text.prefix(1000))
            notification.createdAt = now
            try await notification.create(on: db)
            if let emailSubject, let agent = try await Agent.find(agentID, on: db), agent.isActive {
                try await outbox.enqueueNotification(to: agent, subject: emailSubject, text: text, ticketID: ticketID, on: db)
            }
        }
    }

    func unreadCount(agentID: Int, on db: any Database) async throws -> Int {
        try await AgentNotification.query(on: db).filter(\.$agentID == agentID).filter(\.$readAt == nil).count()
    }

    func recent(agentID: Int, limit: Int = 100, on db: any Database) async throws -> [AgentNotification] {
        try await AgentNotification.query(on: db).filter(\.$agentID == agentID).sort(\.$id, .descending).limit(limit).all()
    }

    func markAllRead(agentID: Int, on db: any Database) async throws {
        try await db.sql.raw("UPDATE agent_notifications SET read_at = \(bind: clock.now()) WHERE agent_id = \(bind: agentID) AND read_at IS NULL").run()
    }
}
