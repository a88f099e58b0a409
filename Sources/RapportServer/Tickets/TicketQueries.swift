import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Which assignee a list is narrowed to.
enum AssigneeFilter: Sendable, Equatable {
    case anyone
    case unassigned
    case agent(Int)
}

struct TicketListFilters: Sendable {
    var statuses: [TicketStatus] = []
    var assignee: AssigneeFilter = .anyone
    var teamID: Int?
    /// Any of these teams (an agent's "my teams" view). Empty means no restriction.
    var teamIDs: [Int] = []
    var priority: TicketPriority?
    var tag: String?
    var requesterID: Int?
    var updatedSince: Date?
    /// Only tickets at risk of missing an SLA target (or past it) at this moment.
    var slaAtRiskBy: Date?
    /// Only the tickets this agent may see; nil for every ticket (system work, admins' exports).
    var access: TicketAccess?
}

/// The orders a ticket list can be read in. Each is a keyset on an indexed column plus the id,
/// so every page costs the same however deep it is.
enum TicketSort: String, CaseIterable, Sendable, LabelledChoice {
    case updatedNewest = "updated"
    case updatedOldest = "updated-oldest"
    case createdNewest = "created"
    case createdOldest = "created-oldest"
    /// Tickets waiting for our answer, longest first; others are left out.
    case waitingLongest = "waiting"
    /// Tickets with a counting SLA clock, nearest deadline first; then the others, oldest first.
    case dueSoonest = "due"

    var label: String {
        switch self {
        case .updatedNewest: "Recently updated"
        case .updatedOldest: "Least recently updated"
        case .createdNewest: "Newest"
        case .createdOldest: "Oldest"
        case .waitingLongest: "Waiting longest for us"
        case .dueSoonest: "SLA due soonest"
        }
    }

    /// The keyset column. Ids grow with creation time, so "created" orders by id alone and
    /// uses the indexes every table has on it.
    fileprivate var column: SQLQueryString? {
        switch self {
        case .updatedNewest, .updatedOldest: "t.updated_at"
        case .createdNewest, .createdOldest: nil
        case .waitingLongest: "t.awaiting_reply_since"
        case .dueSoonest: "t.sla_due_at"
        }
    }

    fileprivate var orderBy: SQLQueryString {
        let direction: SQLQueryString = descending ? "DESC" : "ASC"
        guard let column else { return "t.id \(direction)" }
        return "\(column) \(direction), t.id \(direction)"
    }

    /// Rows after `cursor` in this order.
    fileprivate func beyond(_ cursor: PageCursor) -> SQLQueryString {
        let comparison: SQLQueryString = descending ? "<" : ">"
        guard let column else { return "t.id \(comparison) \(bind: cursor.id)" }
        return
            "(\(column) \(comparison) \(bind: cursor.timestamp) OR (\(column) = \(bind: cursor.timestamp) AND t.id \(comparison) \(bind: cursor.id)))"
    }

    fileprivate var descending: Bool { self == .updatedNewest || self == .createdNewest }
}

/// Read-only ticket queries, written in SQL so a page of 50 costs a handful of indexed lookups
/// and no per-row queries.
enum TicketQueries {
    private struct SummaryRow: Decodable {
        let id: Int
        let subject: String
        let status: TicketStatus
        let priority: TicketPriority
        let channel: TicketChannel
        let requesterID: Int
        let requesterName: String
        let requesterEmail: String?
        let assigneeID: Int?
        let assigneeName: String?
        let assigneeEmail: String?
        let teamID: Int?
        let teamName: String?
        let createdAt: Date
        let updatedAt: Date
        let firstResponseAt: Date?
        let solvedAt: Date?
        let closedAt: Date?
        let awaitingReplySince: Date?
        let slaDueAt: Date?
        let slaAtRiskAt: Date?

        func sortKey(_ sort: TicketSort) -> Date? {
            switch sort {
            case .updatedNewest, .updatedOldest: updatedAt
            case .createdNewest, .createdOldest: createdAt
            case .waitingLongest: awaitingReplySince
            case .dueSoonest: slaDueAt
            }
        }
    }

    private static let summaryColumns: SQLQueryString = """
        t.id AS "id", t.subject AS "subject", t.status AS "status", t.priority AS "priority", t.channel AS "channel",
        t.requester_id AS "requesterID", c.name AS "requesterName",
        (SELECT e.address FROM customer_emails e WHERE e.customer_id = t.requester_id ORDER BY e.is_primary DESC, e.id LIMIT 1) AS "requesterEmail",
        t.assignee_id AS "assigneeID", a.name AS "assigneeName", a.email AS "assigneeEmail",
        t.team_id AS "teamID", tm.name AS "teamName",
        t.created_at AS "createdAt", t.updated_at AS "updatedAt", t.first_response_at AS "firstResponseAt",
        t.solved_at AS "solvedAt", t.closed_at AS "closedAt", t.awaiting_reply_since AS "awaitingReplySince",
        t.sla_due_at AS "slaDueAt", t.sla_at_risk_at AS "slaAtRiskAt"
        FROM tickets t
        JOIN customers c ON c.id = t.requester_id
        LEFT JOIN agents a ON a.id = t.assignee_id
        LEFT JOIN teams tm ON tm.id = t.team_id
        """

    /// A page of tickets in the given order (most recently updated first by default).
    ///
    /// A filter on several statuses or teams is read as one ordered, limited index scan per
    /// status and team, merged: a single `status IN (...) ORDER BY` query would sort every
    /// matching ticket first, which at a million tickets is the difference between a
    /// millisecond and a second.
    static func page(
        _ filters: TicketListFilters, sort: TicketSort = .updatedNewest, after cursor: PageCursor?, limit: Int,
        on database: any Database
    ) async throws -> (tickets: [TicketSummaryDTO], next: PageCursor?) {
        var rows: [SummaryRow]
        if sort == .dueSoonest {
            // Tickets with a counting clock by deadline, then every other ticket by number: the
            // view pages through all of them, those without a clock last.
            rows =
                cursor?.isAmongUntimed == true
                ? []
                : try await scan(
                    filters, sort: sort, extra: "t.sla_due_at IS NOT NULL", after: cursor, limit: limit + 1,
                    on: database)
            if rows.count <= limit {
                let untimedCursor = cursor?.isAmongUntimed == true ? cursor : nil
                rows += try await scan(
                    filters, sort: .createdOldest, extra: "t.sla_due_at IS NULL", after: untimedCursor,
                    limit: limit + 1 - rows.count, on: database)
            }
        } else {
            rows = try await scan(
                filters, sort: sort, extra: sort == .waitingLongest ? "t.awaiting_reply_since IS NOT NULL" : nil,
                after: cursor, limit: limit + 1, on: database)
        }
        let pageRows = Array(rows.prefix(limit))
        var next: PageCursor?
        if rows.count > limit, let last = pageRows.last {
            if sort == .dueSoonest, last.slaDueAt == nil {
                next = PageCursor(untimedAfter: last.id)
            } else {
                next = last.sortKey(sort).map { PageCursor(timestamp: $0, id: last.id) }
            }
        }
        return (try await summaries(pageRows, on: database), next)
    }

    /// Up to `limit` rows in `sort`'s order after `cursor`, with an extra condition.
    private static func scan(
        _ filters: TicketListFilters, sort: TicketSort, extra: SQLQueryString?, after cursor: PageCursor?, limit: Int,
        on database: any Database
    ) async throws -> [SummaryRow] {
        func whereClause(_ filters: TicketListFilters) -> SQLQueryString {
            var conditions = conditions(for: filters)
            if let extra { conditions.append(extra) }
            if let cursor { conditions.append(sort.beyond(cursor)) }
            return conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        }
        let branches = scanBranches(filters)
        let selection: SQLQueryString
        if branches.count > 1 {
            let scans = branches.enumerated().map { index, branch -> SQLQueryString in
                let alias: SQLQueryString = "\(unsafeRaw: "b\(index)")"
                return
                    "SELECT \(alias).id FROM (SELECT t.id AS id FROM tickets t \(whereClause(branch)) ORDER BY \(sort.orderBy) LIMIT \(bind: limit)) AS \(alias)"
            }
            selection = "WHERE t.id IN (\(scans.joined(separator: " UNION ALL ")))"
        } else {
            selection = whereClause(filters)
        }
        return try await database.sql.raw(
            """
            SELECT \(summaryColumns) \(selection)
            ORDER BY \(sort.orderBy)
            LIMIT \(bind: limit)
            """
        ).all(decoding: SummaryRow.self)
    }

    /// The filter split into one filter per status and team, when that is a handful.
    private static func scanBranches(_ filters: TicketListFilters) -> [TicketListFilters] {
        let statuses: [[TicketStatus]] = filters.statuses.count > 1 ? filters.statuses.map { [$0] } : [filters.statuses]
        let teams: [[Int]] = filters.teamIDs.count > 1 ? filters.teamIDs.map { [$0] } : [filters.teamIDs]
        guard statuses.count * teams.count > 1, statuses.count * teams.count <= 16 else { return [filters] }
        return statuses.flatMap { status in
            teams.map { team in
                var branch = filters
                branch.statuses = status
                branch.teamIDs = team
                return branch
            }
        }
    }

    /// How many tickets match each set of filters, in one round trip.
    static func counts(_ filterSets: [TicketListFilters], on database: any Database) async throws -> [Int] {
        guard !filterSets.isEmpty else { return [] }
        let selects = filterSets.enumerated().map { index, filters -> SQLQueryString in
            "\(countExpression(filters)) AS \(unsafeRaw: "c\(index)")"
        }
        guard let row = try await database.sql.raw("SELECT \(selects.joined(separator: ", "))").first() else {
            return filterSets.map { _ in 0 }
        }
        return try filterSets.indices.map { try row.decode(column: "c\($0)", as: Int.self) }
    }

    /// How many tickets match, as an SQL expression, for queries that read several figures at once.
    static func countExpression(_ filters: TicketListFilters) -> SQLQueryString {
        let conditions = conditions(for: filters)
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return "(SELECT COUNT(*) FROM tickets t \(whereClause))"
    }

    private static func conditions(for filters: TicketListFilters) -> [SQLQueryString] {
        var conditions: [SQLQueryString] = []
        if !filters.statuses.isEmpty {
            conditions.append("t.status IN \(SQLBind.group(filters.statuses.map(\.rawValue)))")
        }
        switch filters.assignee {
        case .anyone: break
        case .unassigned: conditions.append("t.assignee_id IS NULL")
        case .agent(let id): conditions.append("t.assignee_id = \(bind: id)")
        }
        if let team = filters.teamID { conditions.append("t.team_id = \(bind: team)") }
        if !filters.teamIDs.isEmpty { conditions.append("t.team_id IN \(SQLBind.group(filters.teamIDs))") }
        if let priority = filters.priority { conditions.append("t.priority = \(bind: priority.rawValue)") }
        if let tag = filters.tag {
            conditions.append("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = \(bind: tag))")
        }
        if let requester = filters.requesterID { conditions.append("t.requester_id = \(bind: requester)") }
        if let since = filters.updatedSince { conditions.append("t.updated_at >= \(bind: since)") }
        if let moment = filters.slaAtRiskBy { conditions.append("t.sla_at_risk_at <= \(bind: moment)") }
        if let access = filters.access, let condition = accessCondition(access) { conditions.append(condition) }
        return conditions
    }

    /// The tickets a restricted agent may see, as a condition on `t`; nil when they see all.
    static func accessCondition(_ access: TicketAccess, alias: String = "t") -> SQLQueryString? {
        guard let teams = access.teamIDs else { return nil }
        let table: SQLQueryString = "\(unsafeRaw: alias)"
        guard !teams.isEmpty else { return "\(table).assignee_id = \(bind: access.agentID)" }
        return
            "(\(table).team_id IN \(SQLBind.group(teams.sorted())) OR \(table).assignee_id = \(bind: access.agentID))"
    }

    /// Summaries of the given tickets, in the order of `ids`; ids that do not exist are skipped.
    static func summaries(ids: [Int], on database: any Database) async throws -> [TicketSummaryDTO] {
        guard !ids.isEmpty else { return [] }
        let rows = try await database.sql.raw("SELECT \(summaryColumns) WHERE t.id IN \(SQLBind.group(ids))").all(
            decoding: SummaryRow.self)
        let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        return try await summaries(ids.compactMap { byID[$0] }, on: database)
    }

    static func detail(ticketID: Int, on database: any Database) async throws -> TicketDetailDTO {
        guard let summary = try await summaries(ids: [ticketID], on: database).first else {
            throw RapportError.notFound("Ticket #\(ticketID)")
        }
        return TicketDetailDTO(ticket: summary, messages: try await messages(ticketID: ticketID, on: database))
    }

    /// The ticket's conversation in order, or just one of its messages when `messageID` is given.
    static func messages(ticketID: Int, only messageID: Int? = nil, on database: any Database) async throws
        -> [MessageDTO]
    {
        struct Row: Decodable {
            let id: Int
            let kind: MessageKind
            let authorKind: AuthorKind
            let authorID: Int?
            let authorName: String?
            let body: String
            let originalHTML: String?
            let createdAt: Date
            let moodSentiment: Double?
            let moodUpset: Bool?
            let moodChurnRisk: Bool?
            let moodUrgent: Bool?
            let coachScore: Int?
        }
        let rows = try await database.sql.raw(
            """
            SELECT m.id AS "id", m.kind AS "kind", m.author_kind AS "authorKind",
                COALESCE(m.author_agent_id, m.author_customer_id) AS "authorID", COALESCE(a.name, c.name) AS "authorName",
                m.body AS "body", m.original_html AS "originalHTML", m.created_at AS "createdAt",
                m.mood_sentiment AS "moodSentiment", m.mood_upset AS "moodUpset", m.mood_churn_risk AS "moodChurnRisk",
                m.mood_urgent AS "moodUrgent", m.coach_score AS "coachScore"
            FROM messages m
            LEFT JOIN agents a ON a.id = m.author_agent_id
            LEFT JOIN customers c ON c.id = m.author_customer_id
            WHERE m.ticket_id = \(bind: ticketID) \(messageID.map { SQLQueryString("AND m.id = \(bind: $0)") } ?? "")
            ORDER BY m.id
            """
        ).all(decoding: Row.self)
        struct FileRow: Decodable {
            let id: Int
            let messageID: Int
            let filename: String
            let contentType: String
            let size: Int
        }
        let files = try await database.sql.raw(
            """
            SELECT f.id AS "id", f.message_id AS "messageID", f.filename AS "filename", f.content_type AS "contentType", f.size AS "size"
            FROM attachments f
            WHERE f.ticket_id = \(bind: ticketID) \(messageID.map { SQLQueryString("AND f.message_id = \(bind: $0)") } ?? "")
            ORDER BY f.id
            """
        ).all(decoding: FileRow.self)
        let filesByMessage = Dictionary(
            grouping: files.map { file in
                (
                    message: file.messageID,
                    dto: AttachmentDTO(
                        id: file.id, filename: file.filename, contentType: file.contentType, size: file.size,
                        url: "/api/v1/attachments/\(file.id)")
                )
            }, by: \.message)
        return rows.map { row in
            MessageDTO(
                id: row.id, kind: row.kind,
                author: MessageAuthorDTO(
                    kind: row.authorKind, id: row.authorID,
                    name: row.authorName ?? (row.authorKind == .system ? "Rapport" : "Unknown")),
                body: row.body, originalHTML: row.originalHTML, createdAt: row.createdAt,
                attachments: (filesByMessage[row.id] ?? []).map(\.dto),
                mood: row.moodSentiment.map {
                    MessageMoodDTO(
                        sentiment: $0, upset: row.moodUpset ?? false, churnRisk: row.moodChurnRisk ?? false,
                        urgent: row.moodUrgent ?? false)
                },
                coachScore: row.coachScore
            )
        }
    }

    static func events(ticketID: Int, on database: any Database) async throws -> [TicketEventDTO] {
        struct Row: Decodable {
            let id: Int
            let field: String
            let before: String?
            let after: String?
            let actorKind: AuthorKind
            let actorID: Int?
            let actorName: String?
            let createdAt: Date
        }
        let rows = try await database.sql.raw(
            """
            SELECT ev.id AS "id", ev.field AS "field", ev.before AS "before", ev.after AS "after", ev.actor_kind AS "actorKind",
                COALESCE(ev.actor_agent_id, ev.actor_customer_id) AS "actorID", COALESCE(a.name, c.name) AS "actorName",
                ev.created_at AS "createdAt"
            FROM ticket_events ev
            LEFT JOIN agents a ON a.id = ev.actor_agent_id
            LEFT JOIN customers c ON c.id = ev.actor_customer_id
            WHERE ev.ticket_id = \(bind: ticketID)
            ORDER BY ev.id
            """
        ).all(decoding: Row.self)
        return rows.map {
            TicketEventDTO(
                id: $0.id, field: $0.field, before: $0.before, after: $0.after,
                actor: MessageAuthorDTO(kind: $0.actorKind, id: $0.actorID, name: $0.actorName ?? "Rapport"),
                createdAt: $0.createdAt)
        }
    }

    private static func summaries(_ rows: [SummaryRow], on database: any Database) async throws -> [TicketSummaryDTO] {
        guard !rows.isEmpty else { return [] }
        struct TagRow: Decodable {
            let ticketID: Int
            let tag: String
        }
        let tags = try await database.sql.raw(
            """
            SELECT g.ticket_id AS "ticketID", g.tag AS "tag" FROM ticket_tags g WHERE g.ticket_id IN \(SQLBind.group(rows.map(\.id))) ORDER BY g.tag
            """
        ).all(decoding: TagRow.self)
        let tagsByTicket = Dictionary(grouping: tags, by: \.ticketID)
        return rows.map { row in
            TicketSummaryDTO(
                number: row.id, subject: row.subject, status: row.status, priority: row.priority, channel: row.channel,
                requester: PersonReferenceDTO(id: row.requesterID, name: row.requesterName, email: row.requesterEmail),
                assignee: row.assigneeID.map {
                    PersonReferenceDTO(id: $0, name: row.assigneeName ?? "", email: row.assigneeEmail)
                },
                team: row.teamID.map { NamedReferenceDTO(id: $0, name: row.teamName ?? "") },
                tags: (tagsByTicket[row.id] ?? []).map(\.tag),
                createdAt: row.createdAt, updatedAt: row.updatedAt, firstResponseAt: row.firstResponseAt,
                solvedAt: row.solvedAt, closedAt: row.closedAt, awaitingReplySince: row.awaitingReplySince,
                slaDueAt: row.slaDueAt, slaAtRiskAt: row.slaAtRiskAt
            )
        }
    }
}
