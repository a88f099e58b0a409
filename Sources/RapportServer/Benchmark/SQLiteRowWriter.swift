import FluentKit
import FluentSQLiteDriver
import Foundation
import RapportCore
import SQLiteNIO

/// Writes the synthetic desk into SQLite with multi-row `INSERT`s, one transaction per chunk,
/// straight through sqlite-nio's bindings (no `Encodable` per value).
struct SQLiteRowWriter: BenchmarkRowWriter {
    let database: any Database

    func begin() async throws {}

    func writePeople(desk: SyntheticDesk, passwordHash: String) async throws {
        try await inTransaction { sqlite in
            let start = SQLiteData.float(desk.now.addingTimeInterval(-desk.history - 86_400).timeIntervalSince1970)
            try await Self.insert(
                sqlite, "organizations", ["id", "name", "domain", "notes", "created_at", "updated_at"],
                (1...desk.organizationCount).lazy.map(desk.organization).map {
                    [.integer($0.id), .text($0.name), .text($0.domain), .text(""), start, start]
                })
            try await Self.insert(
                sqlite, "agents",
                ["id", "name", "email", "role", "signature", "password_hash", "is_active", "created_at", "updated_at"],
                (1...SyntheticDesk.agentCount).map(desk.agent).map {
                    [
                        .integer($0.id), .text($0.name), .text($0.email), .text($0.isAdmin ? "admin" : "agent"),
                        .text("\($0.name)\nSupport team"),
                        .text(passwordHash), .integer(1), start, start,
                    ]
                })
            try await Self.insert(
                sqlite, "teams", ["id", "name", "description", "created_at", "updated_at"],
                SyntheticDesk.teamNames.enumerated().map {
                    [.integer($0.offset + 1), .text($0.element), .text(""), start, start]
                })
            try await Self.insert(
                sqlite, "team_members", ["team_id", "agent_id", "created_at"],
                (1...SyntheticDesk.agentCount).map(desk.agent).map { [.integer($0.teamID), .integer($0.id), start] })
        }
        for first in stride(from: 1, through: desk.customerCount, by: 20_000) {
            let customers = (first...min(first + 19_999, desk.customerCount)).map(desk.customer)
            try await inTransaction { sqlite in
                try await Self.insert(
                    sqlite, "customers", ["id", "name", "notes", "organization_id", "created_at", "updated_at"],
                    customers.map {
                        let created = SQLiteData.float($0.createdAt.timeIntervalSince1970)
                        return [
                            .integer($0.id), .text($0.name), .text(""),
                            $0.organizationID.map(SQLiteData.integer) ?? .null, created, created,
                        ]
                    })
                try await Self.insert(
                    sqlite, "customer_emails", ["customer_id", "address", "normalized", "is_primary", "created_at"],
                    customers.map {
                        [
                            .integer($0.id), .text($0.email), .text($0.email.lowercased()), .integer(1),
                            .float($0.createdAt.timeIntervalSince1970),
                        ]
                    })
            }
        }
    }

    func write(_ chunk: TicketChunk) async throws {
        try await inTransaction { sqlite in
            try await Self.insert(
                sqlite, "tickets",
                [
                    "id", "subject", "status", "priority", "channel", "requester_id", "assignee_id", "team_id",
                    "created_at", "updated_at", "first_response_at", "solved_at", "closed_at", "awaiting_reply_since",
                    "status_changed_at",
                ],
                chunk.tickets.map { ticket in
                    [
                        .integer(ticket.id), .text(ticket.subject), .text(ticket.status.rawValue),
                        .text(ticket.priority.rawValue), .text(ticket.channel.rawValue),
                        .integer(ticket.requesterID), Self.optional(ticket.assigneeID), Self.optional(ticket.teamID),
                        Self.date(ticket.createdAt), Self.date(ticket.updatedAt), Self.date(ticket.firstResponseAt),
                        Self.date(ticket.solvedAt),
                        Self.date(ticket.closedAt), Self.date(ticket.awaitingReplySince), Self.date(ticket.updatedAt),
                    ]
                })
            try await Self.insert(
                sqlite, "messages",
                ["ticket_id", "kind", "author_kind", "author_agent_id", "author_customer_id", "body", "created_at"],
                chunk.tickets.lazy.flatMap { ticket in
                    ticket.messages.map { message -> [SQLiteData] in
                        [
                            .integer(ticket.id), .text(message.kind.rawValue), .text(message.authorKind.rawValue),
                            Self.optional(message.authorAgentID),
                            Self.optional(message.authorCustomerID), .text(message.body), Self.date(message.createdAt),
                        ]
                    }
                })
            try await Self.insert(
                sqlite, "ticket_tags", ["ticket_id", "tag"],
                chunk.tickets.lazy.flatMap { ticket in ticket.tags.map { [.integer(ticket.id), .text($0)] } })
            try await Self.insert(
                sqlite, "ticket_events",
                ["ticket_id", "actor_kind", "actor_agent_id", "field", "before", "after", "created_at"],
                chunk.tickets.lazy.compactMap(BenchmarkEvents.resolution).map {
                    [
                        .integer($0.ticketID), .text("agent"), Self.optional($0.agentID), .text("status"),
                        .text($0.before), .text($0.after), Self.date($0.at),
                    ]
                })
            try await Self.insert(
                sqlite, "ticket_search", ["rowid", "subject", "people", "body"],
                zip(chunk.tickets.indices, chunk.tickets).map { index, ticket in
                    [
                        .integer(ticket.id), .text(ticket.subject),
                        .text(chunk.requesterNames[index] + " " + chunk.requesterEmails[index]),
                        .text(ticket.messages.lazy.map(\.body).joined(separator: "\n")),
                    ]
                })
        }
    }

    func finish(desk: SyntheticDesk) async throws {
        try await database.withConnection { connection in
            let sqlite = connection as! any SQLiteDatabase
            // Merge the full-text index's segments so queries read one b-tree, then give the
            // planner fresh statistics.
            _ = try await sqlite.query("INSERT INTO ticket_search(ticket_search) VALUES('optimize')", [])
            _ = try await sqlite.query("ANALYZE", [])
            _ = try await sqlite.query("PRAGMA wal_checkpoint(TRUNCATE)", [])
        }
    }

    func close() async throws {}

    private func inTransaction(_ work: @escaping @Sendable (any SQLiteDatabase) async throws -> Void) async throws {
        try await database.withConnection { connection in
            // The database is scratch until the seed completes: a crash means seeding again.
            let sqlite = connection as! any SQLiteDatabase
            _ = try await sqlite.query("PRAGMA synchronous=OFF", [])
            _ = try await sqlite.query("PRAGMA cache_size=-131072", [])
            _ = try await sqlite.query("BEGIN IMMEDIATE", [])
            do {
                try await work(sqlite)
                _ = try await sqlite.query("COMMIT", [])
            } catch {
                _ = try? await sqlite.query("ROLLBACK", [])
                throw error
            }
        }
    }

    /// Inserts rows in statements of as many rows as fit under SQLite's bound-variable limit.
    static func insert<Rows: Sequence>(_ sqlite: any SQLiteDatabase, _ table: String, _ columns: [String], _ rows: Rows)
        async throws where Rows.Element == [SQLiteData]
    {
        let rowsPerStatement = max(1, 30_000 / columns.count / 4)
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ","))) VALUES "
        var statementFor: [Int: String] = [:]
        var batch: [SQLiteData] = []
        var count = 0
        func flush() async throws {
            guard count > 0 else { return }
            let statement =
                statementFor[count] ?? (head + Array(repeating: placeholders, count: count).joined(separator: ","))
            statementFor[count] = statement
            _ = try await sqlite.query(statement, batch)
            batch.removeAll(keepingCapacity: true)
            count = 0
        }
        for row in rows {
            batch.append(contentsOf: row)
            count += 1
            if count == rowsPerStatement { try await flush() }
        }
        try await flush()
    }

    static func date(_ date: Date?) -> SQLiteData { date.map { .float($0.timeIntervalSince1970) } ?? .null }
    static func optional(_ value: Int?) -> SQLiteData { value.map(SQLiteData.integer) ?? .null }
}

/// The one audit event each resolved synthetic ticket gets: its move to solved or closed.
enum BenchmarkEvents {
    struct Resolution {
        let ticketID: Int
        let agentID: Int?
        let before: String
        let after: String
        let at: Date
    }

    static func resolution(_ ticket: SyntheticDesk.Ticket) -> Resolution? {
        guard let solvedAt = ticket.solvedAt else { return nil }
        return Resolution(
            ticketID: ticket.id, agentID: ticket.assigneeID, before: "open", after: ticket.status.rawValue, at: solvedAt
        )
    }
}
