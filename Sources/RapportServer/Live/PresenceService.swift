import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Who is looking at what: one row per open workspace tab, shared by every instance through
/// the database, refreshed while the tab's connection lives and gone soon after it closes.
/// Each change (a tab arrives on a ticket, starts writing, leaves) is an event in the log.
struct PresenceService: Sendable {
    let clock: any WallClock

    /// What a tab is doing on its page.
    enum State: String, Codable, Sendable, CaseIterable {
        case viewing, replying, noting

        /// Writing outranks viewing: an agent with one tab writing is writing.
        static func busiest(_ states: [State]) -> State? {
            states.first { $0 != .viewing } ?? states.first
        }
    }

    /// A row lives this long past its last refresh; connections refresh it every
    /// `refreshInterval`, so a tab that vanished without closing is gone within about 10 s.
    static let lifetime: TimeInterval = 8
    static let refreshInterval: Duration = .seconds(3)
    /// The most presence changes one tab may make in a minute; more are ignored.
    static let changesPerMinute = 120

    struct Viewer: Codable, Sendable, Equatable {
        let agentID: Int
        let agentName: String
        let ticketID: Int?
        let state: State

        enum CodingKeys: String, CodingKey {
            case agentID = "agent_id"
            case agentName = "agent_name"
            case ticketID = "ticket_id"
            case state
        }
    }

    /// Records where the tab is and what it does; publishes an event when that changed.
    func update(tab: String, agentID: Int, agentName: String, ticketID: Int?, state: State, on db: any Database)
        async throws
    {
        let now = clock.now()
        let expires = now.addingTimeInterval(Self.lifetime)
        try await db.write { tx in
            try await Self.serialize(agents: [agentID], in: tx)
            struct Current: Decodable {
                let ticketID: Int?
                let state: String
            }
            let current = try await tx.sql.raw(
                """
                SELECT ticket_id AS "ticketID", state AS "state" FROM presence WHERE tab = \(bind: tab)
                """
            ).first(decoding: Current.self)
            if let current {
                try await tx.sql.raw(
                    """
                    UPDATE presence SET ticket_id = \(bind: ticketID), state = \(bind: state.rawValue), expires_at = \(bind: expires) WHERE tab = \(bind: tab)
                    """
                ).run()
                guard current.ticketID != ticketID || current.state != state.rawValue else { return }
                if current.ticketID != ticketID, let previous = current.ticketID {
                    tx.publish(
                        try await Self.event(
                            agentID: agentID, agentName: agentName, ticketID: previous, at: now, in: tx))
                }
            } else {
                try await tx.sql.raw(
                    """
                    INSERT INTO presence (tab, agent_id, ticket_id, state, expires_at) VALUES
                    (\(bind: tab), \(bind: agentID), \(bind: ticketID), \(bind: state.rawValue), \(bind: expires))
                    """
                ).run()
            }
            // A tab on the inbox or another list is not news; one on a ticket is.
            if ticketID != nil {
                tx.publish(
                    try await Self.event(
                        agentID: agentID, agentName: agentName, ticketID: ticketID, at: now, in: tx))
            }
        }
    }

    /// Keeps the rows of an instance's connected tabs from expiring, all in one statement; no event.
    func refresh(tabs: [String], on db: any Database) async throws {
        guard !tabs.isEmpty else { return }
        let expires = clock.now().addingTimeInterval(Self.lifetime)
        try await db.write { tx in
            for chunk in stride(from: 0, to: tabs.count, by: 500).map({ Array(tabs[$0..<min(tabs.count, $0 + 500)]) }) {
                try await tx.sql.raw(
                    "UPDATE presence SET expires_at = \(bind: expires) WHERE tab IN \(SQLBind.group(chunk))"
                ).run()
            }
        }
    }

    /// The tab closed: its row goes at once.
    func leave(tab: String, agentName: String, on db: any Database) async throws {
        let now = clock.now()
        try await db.write { tx in
            struct Gone: Decodable {
                let agentID: Int
                let ticketID: Int?
            }
            guard
                let gone = try await tx.sql.raw(
                    """
                    SELECT agent_id AS "agentID", ticket_id AS "ticketID" FROM presence WHERE tab = \(bind: tab)
                    """
                ).first(decoding: Gone.self)
            else { return }
            try await Self.serialize(agents: [gone.agentID], in: tx)
            try await tx.sql.raw("DELETE FROM presence WHERE tab = \(bind: tab)").run()
            if gone.ticketID != nil {
                tx.publish(
                    try await Self.event(
                        agentID: gone.agentID, agentName: agentName, ticketID: gone.ticketID, at: now,
                        in: tx))
            }
        }
    }

    /// Removes the rows of tabs that stopped refreshing (their instance died, the network went)
    /// and publishes that they left. Any instance may run it; each row goes once.
    @discardableResult
    func sweep(directory: StaffDirectory, on db: any Database) async throws -> Int {
        let now = clock.now()
        // Nearly always nothing expired: find that out with a read, not a write transaction.
        guard
            try await db.sql.raw("SELECT 1 AS \"one\" FROM presence WHERE expires_at < \(bind: now) LIMIT 1").first()
                != nil
        else { return 0 }
        return try await db.write { tx in
            struct Expired: Decodable {
                let tab: String
                let agentID: Int
                let ticketID: Int?
            }
            let expired = try await tx.sql.raw(
                """
                SELECT tab AS "tab", agent_id AS "agentID", ticket_id AS "ticketID" FROM presence WHERE expires_at < \(bind: now)
                """
            ).all(decoding: Expired.self)
            guard !expired.isEmpty else { return 0 }
            try await Self.serialize(agents: expired.map(\.agentID), in: tx)
            try await tx.sql.raw("DELETE FROM presence WHERE tab IN \(SQLBind.group(expired.map(\.tab)))").run()
            for row in expired where row.ticketID != nil {
                tx.publish(
                    try await Self.event(
                        agentID: row.agentID, agentName: directory.agentName(row.agentID) ?? "", ticketID: row.ticketID,
                        at: now,
                        in: tx))
            }
            return expired.count
        }
    }

    /// Everyone here now (one entry per agent and ticket, the busiest state first), for a tab
    /// that just connected.
    func viewers(directory: StaffDirectory, on db: any Database) async throws -> [Viewer] {
        struct Row: Decodable {
            let agentID: Int
            let ticketID: Int?
            let state: String
        }
        let rows = try await db.sql.raw(
            """
            SELECT agent_id AS "agentID", ticket_id AS "ticketID", state AS "state" FROM presence WHERE expires_at >= \(bind: clock.now())
            """
        ).all(decoding: Row.self)
        let byAgentAndTicket = Dictionary(grouping: rows) { "\($0.agentID)/\($0.ticketID ?? 0)" }
        let viewers = byAgentAndTicket.values.compactMap { tabs -> Viewer? in
            guard let first = tabs.first, let state = State.busiest(tabs.compactMap { State(rawValue: $0.state) })
            else { return nil }
            return Viewer(
                agentID: first.agentID, agentName: directory.agentName(first.agentID) ?? "", ticketID: first.ticketID,
                state: state)
        }
        return viewers.sorted { ($0.ticketID ?? 0, $0.agentName) < ($1.ticketID ?? 0, $1.agentName) }
    }

    /// One presence change per agent at a time: each event reports what the agent's other tabs
    /// still do, so two of their tabs closing at once on PostgreSQL must not each see the other's
    /// row and both report the agent as still there. (SQLite has one writer already.) Locks are
    /// taken in id order, so a sweep of several agents cannot deadlock with a single change.
    private static func serialize(agents: [Int], in tx: WriteTransaction) async throws {
        guard tx.flavor == .postgres else { return }
        for agent in Set(agents).sorted() {
            try await tx.sql.raw(
                "SELECT pg_advisory_xact_lock(CAST(\(bind: presenceLockKey) AS integer), CAST(\(bind: agent) AS integer))"
            ).run()
        }
    }

    /// The first half of the two-part advisory lock key for presence changes.
    private static let presenceLockKey = 7_240_002

    /// What the agent is doing on the ticket across all their tabs, after one of them changed:
    /// the busiest state of the tabs still there, or `left` when none is. So a second tab closing
    /// does not hide an agent who is still on the ticket in the first. The event carries the
    /// ticket's team and assignee, so only agents who may see the ticket learn who is on it.
    private static func event(agentID: Int, agentName: String, ticketID: Int?, at now: Date, in tx: WriteTransaction)
        async throws -> LiveEventDraft
    {
        var owner: TicketOwner?
        var state = "left"
        if let ticketID {
            owner = try await TicketOwner.load(ticketID, on: tx.db)
            let states = try await tx.sql.raw(
                "SELECT state AS \"state\" FROM presence WHERE agent_id = \(bind: agentID) AND ticket_id = \(bind: ticketID)"
            ).all().compactMap { try? State(rawValue: $0.decode(column: "state", as: String.self)) }
            state = State.busiest(states)?.rawValue ?? "left"
        }
        return LiveEventDraft(
            kind: .presence, ticketID: ticketID, teamID: owner?.teamID, assigneeID: owner?.assigneeID,
            actorAgentID: agentID,
            data: LiveEventData(state: state, agentName: agentName), at: now)
    }
}

struct CreatePresence: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("presence")
            .field("tab", .string, .identifier(auto: false))
            .field("agent_id", .int, .required)
            .field("ticket_id", .int)
            .field("state", .string, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.createIndex("idx_presence_expires", on: "presence", columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema("presence").delete()
    }
}
