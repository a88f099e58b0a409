import FluentPostgresDriver
import Foundation
import Logging
import NIOCore
import PostgresNIO
import RapportCore

/// Writes the synthetic desk into PostgreSQL with `COPY … FROM STDIN` on two connections of its
/// own: one copies the rows, the other builds the full-text documents (the expensive part, done
/// by the server) for the previous batch at the same time, so both cores work. Secondary
/// indexes of the big tables are dropped first and built once at the end, which is several
/// times faster than maintaining them row by row.
struct PostgresRowWriter: BenchmarkRowWriter {
    let connection: PostgresConnection
    let searchConnection: PostgresConnection
    let logger: Logger

    /// The tables whose secondary indexes are rebuilt at the end.
    private static let bulkTables = [
        "tickets", "messages", "ticket_tags", "ticket_events", "customers", "customer_emails", "ticket_search",
    ]

    static func connect(url: String, eventLoop: any EventLoop, logger: Logger) async throws -> PostgresRowWriter {
        let configuration = try SQLPostgresConfiguration(url: url)
        let connection = try await PostgresConnection.connect(
            on: eventLoop, configuration: configuration.coreConfiguration, id: 1, logger: logger)
        let searchConnection = try await PostgresConnection.connect(
            on: eventLoop, configuration: configuration.coreConfiguration, id: 2, logger: logger)
        return PostgresRowWriter(connection: connection, searchConnection: searchConnection, logger: logger)
    }

    func begin() async throws {
        // Remember the definitions, then drop every index that no constraint depends on.
        // A table rather than memory, so a seed that stops half-way still knows what to rebuild.
        try await run(
            "CREATE TABLE IF NOT EXISTS bench_deferred_indexes (indexname TEXT PRIMARY KEY, indexdef TEXT NOT NULL)")
        try await run(
            """
            INSERT INTO bench_deferred_indexes (indexname, indexdef)
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename IN (\(Self.bulkTables.map { "'\($0)'" }.joined(separator: ", ")))
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
            ON CONFLICT (indexname) DO NOTHING
            """)
        var names: [String] = []
        for try await name in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT indexname FROM bench_deferred_indexes"), logger: logger
        )
        .decode(String.self) { names.append(name) }
        for name in names { try await run("DROP INDEX IF EXISTS \"\(name)\"") }
        try await run(
            "CREATE TEMPORARY TABLE bench_search_staging (ticket_id BIGINT, subject TEXT, people TEXT, body TEXT)",
            on: searchConnection)
        // The database is scratch until the seed completes.
        try await run("SET synchronous_commit = off")
        try await run("SET synchronous_commit = off", on: searchConnection)
    }

    func writePeople(desk: SyntheticDesk, passwordHash: String) async throws {
        let start = desk.now.addingTimeInterval(-desk.history - 86_400)
        try await copy(
            "organizations", ["id", "name", "domain", "notes", "created_at", "updated_at"],
            (1...desk.organizationCount).map(desk.organization)
        ) { rows, organization in
            rows.add(organization.id)
            rows.add(organization.name)
            rows.add(organization.domain)
            rows.add("")
            rows.add(start)
            rows.add(start)
            rows.endRow()
        }
        try await copy(
            "agents",
            ["id", "name", "email", "role", "signature", "password_hash", "is_active", "created_at", "updated_at"],
            (1...SyntheticDesk.agentCount).map(desk.agent)
        ) { rows, agent in
            rows.add(agent.id)
            rows.add(agent.name)
            rows.add(agent.email)
            rows.add(agent.isAdmin ? "admin" : "agent")
            rows.add("\(agent.name)\nSupport team")
            rows.add(passwordHash)
            rows.add(true)
            rows.add(start)
            rows.add(start)
            rows.endRow()
        }
        try await copy(
            "teams", ["id", "name", "description", "created_at", "updated_at"],
            Array(SyntheticDesk.teamNames.enumerated())
        ) { rows, team in
            rows.add(team.offset + 1)
            rows.add(team.element)
            rows.add("")
            rows.add(start)
            rows.add(start)
            rows.endRow()
        }
        try await copy(
            "team_members", ["team_id", "agent_id", "created_at"], (1...SyntheticDesk.agentCount).map(desk.agent)
        ) { rows, agent in
            rows.add(agent.teamID)
            rows.add(agent.id)
            rows.add(start)
            rows.endRow()
        }
        for first in stride(from: 1, through: desk.customerCount, by: 20_000) {
            let customers = (first...min(first + 19_999, desk.customerCount)).map(desk.customer)
            try await copy(
                "customers", ["id", "name", "notes", "organization_id", "created_at", "updated_at"], customers
            ) { rows, customer in
                rows.add(customer.id)
                rows.add(customer.name)
                rows.add("")
                rows.add(customer.organizationID)
                rows.add(customer.createdAt)
                rows.add(customer.createdAt)
                rows.endRow()
            }
            try await copy(
                "customer_emails", ["customer_id", "address", "normalized", "is_primary", "created_at"], customers
            ) { rows, customer in
                rows.add(customer.id)
                rows.add(customer.email)
                rows.add(customer.email.lowercased())
                rows.add(true)
                rows.add(customer.createdAt)
                rows.endRow()
            }
        }
    }

    func write(_ chunk: TicketChunk) async throws {
        try await copy(
            "tickets",
            [
                "id", "subject", "status", "priority", "channel", "requester_id", "assignee_id", "team_id",
                "created_at", "updated_at",
                "first_response_at", "solved_at", "closed_at", "awaiting_reply_since", "status_changed_at",
            ], chunk.tickets
        ) { rows, ticket in
            rows.add(ticket.id)
            rows.add(ticket.subject)
            rows.add(ticket.status.rawValue)
            rows.add(ticket.priority.rawValue)
            rows.add(ticket.channel.rawValue)
            rows.add(ticket.requesterID)
            rows.add(ticket.assigneeID)
            rows.add(ticket.teamID)
            rows.add(ticket.createdAt)
            rows.add(ticket.updatedAt)
            rows.add(ticket.firstResponseAt)
            rows.add(ticket.solvedAt)
            rows.add(ticket.closedAt)
            rows.add(ticket.awaitingReplySince)
            rows.add(ticket.updatedAt)
            rows.endRow()
        }
        // The documents reference the tickets, which are committed now; they are built while
        // the rest of the batch is copied.
        async let documents: Void = writeSearchDocuments(chunk)
        try await copy(
            "messages",
            ["ticket_id", "kind", "author_kind", "author_agent_id", "author_customer_id", "body", "created_at"],
            chunk.tickets
        ) { rows, ticket in
            for message in ticket.messages {
                rows.add(ticket.id)
                rows.add(message.kind.rawValue)
                rows.add(message.authorKind.rawValue)
                rows.add(message.authorAgentID)
                rows.add(message.authorCustomerID)
                rows.add(message.body)
                rows.add(message.createdAt)
                rows.endRow()
            }
        }
        try await copy("ticket_tags", ["ticket_id", "tag"], chunk.tickets) { rows, ticket in
            for tag in ticket.tags {
                rows.add(ticket.id)
                rows.add(tag)
                rows.endRow()
            }
        }
        try await copy(
            "ticket_events", ["ticket_id", "actor_kind", "actor_agent_id", "field", "before", "after", "created_at"],
            chunk.tickets.compactMap(BenchmarkEvents.resolution)
        ) { rows, event in
            rows.add(event.ticketID)
            rows.add("agent")
            rows.add(event.agentID)
            rows.add("status")
            rows.add(event.before)
            rows.add(event.after)
            rows.add(event.at)
            rows.endRow()
        }
        try await documents
    }

    private func writeSearchDocuments(_ chunk: TicketChunk) async throws {
        try await copy(
            "bench_search_staging", ["ticket_id", "subject", "people", "body"], Array(chunk.tickets.indices),
            on: searchConnection
        ) { rows, index in
            let ticket = chunk.tickets[index]
            let email = chunk.requesterEmails[index]
            let spacedEmail = String(email.map { $0 == "@" || $0 == "." ? " " : $0 })
            rows.add(ticket.id)
            rows.add(ticket.subject)
            rows.add("\(chunk.requesterNames[index]) \(email) \(spacedEmail)")
            rows.add(ticket.messages.lazy.map(\.body).joined(separator: "\n"))
            rows.endRow()
        }
        // The same weighted document TicketSearch.reindex builds.
        try await run(
            """
            INSERT INTO ticket_search (ticket_id, subject, people, body, document)
            SELECT ticket_id, subject, people, body,
                setweight(to_tsvector('english', subject), 'A') || setweight(to_tsvector('english', people), 'B') || setweight(to_tsvector('english', body), 'C')
            FROM bench_search_staging
            """, on: searchConnection)
        try await run("TRUNCATE bench_search_staging", on: searchConnection)
    }

    func finish(desk: SyntheticDesk) async throws {
        // Two builds at a time, one per connection (and core).
        try await run("SET maintenance_work_mem = '256MB'")
        try await run("SET maintenance_work_mem = '256MB'", on: searchConnection)
        var definitions: [String] = []
        for try await definition in try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT indexdef FROM bench_deferred_indexes ORDER BY indexname"), logger: logger
        )
        .decode(String.self) { definitions.append(definition) }
        let halves = [stride(from: 0, to: definitions.count, by: 2), stride(from: 1, to: definitions.count, by: 2)].map
        { $0.map { definitions[$0] } }
        async let first: Void = runAll(halves[0], on: connection)
        async let second: Void = runAll(halves[1], on: searchConnection)
        _ = try await (first, second)
        try await run("DROP TABLE bench_deferred_indexes")
        // Rows were written with their ids, so move each id sequence past them.
        for table in ["organizations", "agents", "teams", "customers", "tickets"] {
            try await run("SELECT setval(pg_get_serial_sequence('\(table)', 'id'), (SELECT max(id) FROM \(table)))")
        }
        try await run("VACUUM ANALYZE")
    }

    func close() async throws {
        try await connection.close()
        try await searchConnection.close()
    }

    private func run(_ statement: String, on connection: PostgresConnection? = nil) async throws {
        _ = try await (connection ?? self.connection).query(PostgresQuery(unsafeSQL: statement), logger: logger)
    }

    private func runAll(_ statements: [String], on connection: PostgresConnection) async throws {
        for statement in statements { try await run(statement, on: connection) }
    }

    private func copy<Item>(
        _ table: String, _ columns: [String], _ items: [Item], on connection: PostgresConnection? = nil,
        row: (inout CopyTextRows, Item) -> Void
    ) async throws {
        let connection = connection ?? self.connection
        var rows = CopyTextRows()
        for item in items { row(&rows, item) }
        guard rows.count > 0 else { return }
        let buffer = rows.buffer
        try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
            try await writer.write(buffer)
        }
    }
}

/// Rows in `COPY`'s text format: tab between fields, newline after each row, `\N` for null,
/// and backslash escapes for the characters that would break that.
struct CopyTextRows {
    private(set) var buffer = ByteBufferAllocator().buffer(capacity: 1 << 20)
    private(set) var count = 0
    private var atRowStart = true

    mutating func add(_ text: String?) {
        separate()
        guard let text else {
            buffer.writeStaticString("\\N")
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    mutating func add(_ number: Int?) {
        separate()
        guard let number else {
            buffer.writeStaticString("\\N")
            return
        }
        buffer.writeString(String(number))
    }

    mutating func add(_ flag: Bool) {
        separate()
        buffer.writeStaticString(flag ? "t" : "f")
    }

    mutating func add(_ date: Date?) {
        separate()
        guard let date else {
            buffer.writeStaticString("\\N")
            return
        }
        buffer.writeString(UTCTimestamp.text(date))
    }

    mutating func endRow() {
        buffer.writeStaticString("\n")
        count += 1
        atRowStart = true
    }

    private mutating func separate() {
        if !atRowStart { buffer.writeStaticString("\t") }
        atRowStart = false
    }
}

/// `2026-12-01 09:30:00.250000+00`, written without a date formatter (millions of them).
enum UTCTimestamp {
    static func text(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = microseconds / 1_000_000
        var fraction = microseconds % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let micro = String(fraction)
        return
            "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3_600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)).\(String(repeating: "0", count: 6 - micro.count))\(micro)+00"
    }
}
