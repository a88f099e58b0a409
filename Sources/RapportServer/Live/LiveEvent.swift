import FluentKit
import Foundation
import SQLKit

/// One change that a screen or an integration must learn of, as the event log stores it: a
/// monotonically increasing id (the order every consumer sees), what happened, to which ticket,
/// for whom, and enough to render it or fetch it.
struct LiveEvent: Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case ticketCreated = "ticket.created"
        case ticketUpdated = "ticket.updated"
        case messageAdded = "message.added"
        case notification
        case presence
    }

    let id: Int
    let kind: Kind
    let ticketID: Int?
    /// The ticket's team and assignee after the change: who may see the event.
    let teamID: Int?
    let assigneeID: Int?
    /// Set for what only one agent may see (their notifications); nil for every agent who may
    /// see the ticket.
    let audienceAgentID: Int?
    /// The agent who made the change, so a screen can tell its own changes from a colleague's.
    let actorAgentID: Int?
    let data: LiveEventData
    let createdAt: Date
    /// The event as the frame a tab receives, encoded once when the event is read from the log
    /// (not once per tab: hundreds of tabs receive the same event).
    var frame = ""
}

/// What an event carries beyond its kind; every field is optional and left out when empty.
struct LiveEventData: Codable, Sendable, Equatable {
    var subject: String?
    var status: String?
    /// The ticket fields a `ticket.updated` changed (`status`, `priority`, `assignee`, …).
    var fields: [String]?
    var messageID: Int?
    var messageKind: String?
    var authorKind: String?
    /// A notification's line, or a delivery's outcome.
    var text: String?
    /// Presence: `viewing`, `replying`, `noting` or `left`.
    var state: String?
    var agentName: String?

    enum CodingKeys: String, CodingKey {
        case subject, status, fields, text, state
        case messageID = "message_id"
        case messageKind = "message_kind"
        case authorKind = "author_kind"
        case agentName = "agent_name"
    }

    init(
        subject: String? = nil, status: String? = nil, fields: [String]? = nil, messageID: Int? = nil,
        messageKind: String? = nil,
        authorKind: String? = nil, text: String? = nil, state: String? = nil, agentName: String? = nil
    ) {
        self.subject = subject
        self.status = status
        self.fields = fields
        self.messageID = messageID
        self.messageKind = messageKind
        self.authorKind = authorKind
        self.text = text
        self.state = state
        self.agentName = agentName
    }
}

/// An event as a write asks for it; the log gives it its id when the transaction commits.
struct LiveEventDraft: Sendable {
    var kind: LiveEvent.Kind
    var ticketID: Int?
    var teamID: Int?
    var assigneeID: Int?
    var audienceAgentID: Int?
    var actorAgentID: Int?
    var data = LiveEventData()
    /// When it happened, by the service's clock.
    let at: Date
}

/// The events a write transaction asked for, written just before it commits (see
/// `Database.write`), so they exist exactly when the change does.
final class LiveEventBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var drafts: [LiveEventDraft] = []

    func append(_ draft: LiveEventDraft) {
        lock.withLock { drafts.append(draft) }
    }

    func take() -> [LiveEventDraft] {
        lock.withLock {
            defer { drafts = [] }
            return drafts
        }
    }
}

/// The `events` table: appends in order, reads after an id, prunes by age.
enum EventLog {
    static let table = "events"
    /// How long events are kept for catching up; a tab away for longer reloads its page.
    static let retention: TimeInterval = 3 * 86_400
    /// The PostgreSQL advisory lock that orders appends: ids are handed out in commit order, so
    /// a reader that has seen id N has seen every committed event below it.
    static let appendLockKey = 7_240_001

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Writes the drafts in one insert, inside the transaction that made the change (the last
    /// statement before its commit). Returns whether anything was written.
    static func flush(_ drafts: [LiveEventDraft], on db: any Database) async throws -> Bool {
        guard !drafts.isEmpty else { return false }
        if db.flavor == .postgres {
            try await db.sql.raw("SELECT pg_advisory_xact_lock(\(bind: appendLockKey))").run()
        }
        var insert = db.sql.insert(into: table)
            .columns(
                "kind", "ticket_id", "team_id", "assignee_id", "audience_agent_id", "actor_agent_id", "data",
                "created_at")
        for draft in drafts {
            insert = insert.values(
                draft.kind.rawValue, draft.ticketID, draft.teamID, draft.assigneeID, draft.audienceAgentID,
                draft.actorAgentID,
                String(decoding: try encoder.encode(draft.data), as: UTF8.self), draft.at)
        }
        try await insert.run()
        return true
    }

    private struct Row: Decodable {
        let id: Int
        let kind: String
        let ticketID: Int?
        let teamID: Int?
        let assigneeID: Int?
        let audienceAgentID: Int?
        let actorAgentID: Int?
        let data: String
        let createdAt: Date
    }

    /// Events after `id`, oldest first.
    static func read(after id: Int, limit: Int, on db: any Database) async throws -> [LiveEvent] {
        let rows = try await db.sql.raw(
            """
            SELECT id AS "id", kind AS "kind", ticket_id AS "ticketID", team_id AS "teamID", assignee_id AS "assigneeID", audience_agent_id AS "audienceAgentID",
                   actor_agent_id AS "actorAgentID", data AS "data", created_at AS "createdAt"
            FROM events WHERE id > \(bind: id) ORDER BY id LIMIT \(bind: limit)
            """
        ).all(decoding: Row.self)
        let decoder = JSONDecoder()
        return rows.compactMap { row in
            guard let kind = LiveEvent.Kind(rawValue: row.kind) else { return nil }
            let data = (try? decoder.decode(LiveEventData.self, from: Data(row.data.utf8))) ?? LiveEventData()
            var event = LiveEvent(
                id: row.id, kind: kind, ticketID: row.ticketID, teamID: row.teamID, assigneeID: row.assigneeID,
                audienceAgentID: row.audienceAgentID, actorAgentID: row.actorAgentID,
                data: data, createdAt: row.createdAt)
            event.frame = LiveMessage.event(event).encoded
            return event
        }
    }

    /// The newest event's id (0 for an empty log): where a page that is rendered now starts
    /// following.
    static func latestID(on db: any Database) async throws -> Int {
        try await db.sql.raw("SELECT MAX(id) AS \"id\" FROM events").first()?.decode(column: "id", as: Int?.self) ?? 0
    }

    /// The highest id pruned so far: a consumer behind it has missed events and must reload.
    static func prunedThrough(on db: any Database) async throws -> Int {
        try await db.sql.raw("SELECT pruned_through AS \"id\" FROM event_log_state WHERE id = 1").first()?.decode(
            column: "id", as: Int.self) ?? 0
    }

    /// Deletes events older than the retention period and remembers how far it went.
    @discardableResult
    static func prune(now: Date, on db: any Database) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention)
        return try await db.write { tx in
            guard
                let last = try await tx.sql.raw(
                    "SELECT MAX(id) AS \"id\" FROM events WHERE created_at < \(bind: cutoff)"
                ).first()?
                .decode(column: "id", as: Int?.self)
            else { return 0 }
            let count =
                try await tx.sql.raw("SELECT COUNT(*) AS \"count\" FROM events WHERE id <= \(bind: last)").first()?
                .decode(column: "count", as: Int.self) ?? 0
            try await tx.sql.raw("DELETE FROM events WHERE id <= \(bind: last)").run()
            try await tx.sql.raw(
                "UPDATE event_log_state SET pruned_through = \(bind: last) WHERE id = 1 AND pruned_through < \(bind: last)"
            ).run()
            return count
        }
    }
}

/// The event log and the bookkeeping of its pruning.
struct CreateEventLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        switch database.flavor {
        case .sqlite:
            // AUTOINCREMENT: an id is never handed out twice, even after the newest rows are pruned.
            try await database.sql.raw(
                """
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, ticket_id INTEGER, team_id INTEGER, assignee_id INTEGER, audience_agent_id INTEGER,
                    actor_agent_id INTEGER, data TEXT NOT NULL, created_at REAL NOT NULL)
                """
            ).run()
        case .postgres:
            try await database.sql.raw(
                """
                CREATE TABLE events (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind TEXT NOT NULL, ticket_id BIGINT, team_id BIGINT, assignee_id BIGINT,
                    audience_agent_id BIGINT,
                    actor_agent_id BIGINT, data TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)
                """
            ).run()
        }
        try await database.sql.raw("CREATE INDEX idx_events_created ON events (created_at)").run()
        try await database.schema("event_log_state")
            .field("id", .int, .identifier(auto: false))
            .field("pruned_through", .int64, .required)
            .create()
        try await database.sql.raw("INSERT INTO event_log_state (id, pruned_through) VALUES (1, 0)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("event_log_state").delete()
        try await database.sql.raw("DROP TABLE events").run()
    }
}
