import Fluent
import RapportCore
import Vapor

struct InboxRow: Encodable, Sendable {
    let number: Int
    let subject: String
    let url: String
    let requesterName: String
    let status: String
    let statusLabel: String
    let priority: String
    let priorityLabel: String
    let assigneeName: String?
    let teamName: String?
    let tags: [String]
    let updated: String
    let updatedFull: String
    let waiting: String?
    /// Waiting more than a working day: shown in warning colours.
    let waitingLong: Bool
    let sla: SLABadge?

    /// "Overdue" or "At risk · due 14:30" beside a ticket whose SLA needs attention.
    struct SLABadge: Encodable, Sendable {
        let kind: String
        let text: String
    }

    static func slaBadge(dueAt: Date?, atRiskAt: Date?, status: TicketStatus, now: Date) -> SLABadge? {
        guard status.isUnresolved, let dueAt else { return nil }
        if dueAt <= now {
            return SLABadge(kind: "breached", text: "Overdue \(RelativeTime.duration(now.timeIntervalSince(dueAt)))")
        }
        if let atRiskAt, atRiskAt <= now {
            return SLABadge(kind: "at-risk", text: "Due in \(RelativeTime.duration(dueAt.timeIntervalSince(now)))")
        }
        return nil
    }
}

struct InboxPageContext: Encodable, Sendable {
    let page: PageChrome
    let view: String
    let viewLabel: String
    let emptyMessage: String
    let rows: [InboxRow]
    let hasRows: Bool
    let sortOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let teamOptions: [SelectOption]
    let tag: String
    let isFiltered: Bool
    let clearFiltersURL: String
    let nextPageURL: String?
    let firstPageURL: String?
    let bulkAssigneeOptions: [SelectOption]
    let bulkStatusOptions: [SelectOption]
    let returnTo: String
}

/// The inbox: shared views with counts, sorting, filters, keyset paging and bulk changes.
struct InboxPage: RouteCollection {
    static let pageSize = 50

    func boot(routes: any RoutesBuilder) throws {
        routes.get("inbox", use: show)
        routes.get("inbox", "counts", use: counts)
        routes.post("tickets", "bulk", use: bulkUpdate)
    }

    struct Query {
        var view: InboxView = .mine
        var sort: TicketSort = .updatedNewest
        var priority: TicketPriority?
        var teamID: Int?
        var tag: String?
        var cursor: PageCursor?

        init(_ req: Request) {
            view = req.queryString("view").flatMap(InboxView.init(rawValue:)) ?? .mine
            sort = req.queryString("sort").flatMap(TicketSort.init(rawValue:)) ?? .updatedNewest
            priority = req.queryString("priority").flatMap(TicketPriority.init(rawValue:))
            teamID = req.queryString("team").flatMap(Int.init)
            tag = req.queryString("tag").flatMap { TagName.normalize([$0]).tags.first }
            cursor = req.queryString("cursor").flatMap(PageCursor.init(encoded:))
        }

        /// This query as a URL, with a different cursor.
        func url(cursor: PageCursor?) -> String {
            var items = [URLQueryItem(name: "view", value: view.rawValue)]
            if sort != .updatedNewest { items.append(URLQueryItem(name: "sort", value: sort.rawValue)) }
            if let priority { items.append(URLQueryItem(name: "priority", value: priority.rawValue)) }
            if let teamID { items.append(URLQueryItem(name: "team", value: String(teamID))) }
            if let tag { items.append(URLQueryItem(name: "tag", value: tag)) }
            if let cursor { items.append(URLQueryItem(name: "cursor", value: cursor.encoded)) }
            var components = URLComponents()
            components.path = "/inbox"
            components.queryItems = items
            return components.string ?? "/inbox"
        }
    }

    func show(req: Request) async throws -> Response {
        let agent = try req.agent
        let query = Query(req)
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        let teamIDs = directory.teamIDs(ofAgent: agent.id)
        let access = directory.access(ofAgent: agent.id)
        let now = req.rapport.clock.now()
        var filters = query.view.filters(agentID: agent.id, teamIDs: teamIDs, now: now, access: access)
        filters.priority = query.priority
        if let team = query.teamID { filters.teamID = team }
        filters.tag = query.tag

        async let pageResult = TicketQueries.page(
            filters, sort: query.sort, after: query.cursor, limit: Self.pageSize, on: req.db)
        async let countsResult = InboxCounts.load(
            access: access, teamIDs: teamIDs, cache: req.rapport.inboxCounts, now: now, on: req.db)
        let (page, counts) = try await (pageResult, countsResult)

        let rows = page.tickets.map { ticket in
            let waitingSeconds =
                ticket.status == .new || ticket.status == .open
                ? ticket.awaitingReplySince.map { now.timeIntervalSince($0) } : nil
            return InboxRow(
                number: ticket.number, subject: ticket.subject, url: "/tickets/\(ticket.number)",
                requesterName: ticket.requester.name, status: ticket.status.rawValue, statusLabel: ticket.status.label,
                priority: ticket.priority.rawValue, priorityLabel: ticket.priority.label,
                assigneeName: ticket.assignee?.name, teamName: ticket.team?.name, tags: ticket.tags,
                updated: PageDates.relative(ticket.updatedAt, now: now), updatedFull: PageDates.full(ticket.updatedAt),
                waiting: waitingSeconds.map(RelativeTime.duration), waitingLong: (waitingSeconds ?? 0) > 24 * 3600,
                sla: InboxRow.slaBadge(
                    dueAt: ticket.slaDueAt, atRiskAt: ticket.slaAtRiskAt, status: ticket.status, now: now)
            )
        }
        var clear = query
        clear.priority = nil
        clear.teamID = nil
        clear.tag = nil
        clear.sort = .updatedNewest
        let context = InboxPageContext(
            page: try req.chrome(title: query.view.label, section: "inbox", counts: counts, currentView: query.view),
            view: query.view.rawValue, viewLabel: query.view.label, emptyMessage: query.view.emptyMessage, rows: rows,
            hasRows: !rows.isEmpty,
            sortOptions: SelectOption.choices(TicketSort.allCases, selected: query.sort),
            priorityOptions: [SelectOption(value: "", label: "Any priority", selected: query.priority == nil)]
                + SelectOption.choices(TicketPriority.allCases.reversed(), selected: query.priority),
            teamOptions: [SelectOption(value: "", label: "Any team", selected: query.teamID == nil)]
                + directory.teams.map {
                    SelectOption(value: String($0.id), label: $0.name, selected: $0.id == query.teamID)
                },
            tag: query.tag ?? "",
            isFiltered: query.priority != nil || query.teamID != nil || query.tag != nil
                || query.sort != .updatedNewest,
            clearFiltersURL: clear.url(cursor: nil),
            nextPageURL: page.next.map { query.url(cursor: $0) },
            firstPageURL: query.cursor == nil ? nil : query.url(cursor: nil),
            bulkAssigneeOptions: directory.assigneeOptions(selected: nil, includeNoChange: true),
            bulkStatusOptions: [SelectOption(value: "", label: "Status: no change", selected: true)]
                + SelectOption.choices([TicketStatus.open, .pending, .solved, .closed], selected: nil),
            returnTo: query.url(cursor: query.cursor)
        )
        return try await req.page("inbox", context)
    }

    /// `GET /inbox/counts` — the view counts as JSON, polled by the page script.
    func counts(req: Request) async throws -> InboxCounts {
        let agentID = try req.agent.id
        let teamIDs = try await req.rapport.configuration.current(on: req.db).directory.teamIDs(ofAgent: agentID)
        return try await InboxCounts.load(
            access: try await req.ticketAccess(), teamIDs: teamIDs, cache: req.rapport.inboxCounts,
            now: req.rapport.clock.now(), on: req.db)
    }

    struct BulkForm: Decodable {
        var ticketIDs: [Int]?
        var assignee: String?
        var status: String?
        var addTag: String?
        var returnTo: String?

        enum CodingKeys: String, CodingKey {
            case ticketIDs = "ticket_ids"
            case assignee, status
            case addTag = "add_tag"
            case returnTo = "return_to"
        }
    }

    /// `POST /tickets/bulk` — one change applied to every selected ticket. Tickets that cannot
    /// take the change (a closed ticket, say) are skipped and counted, the rest still change.
    func bulkUpdate(req: Request) async throws -> Response {
        let agent = try req.agent
        let form = try req.content.decode(BulkForm.self)
        let returnTo = SignInRedirect.safePath(form.returnTo) ?? "/inbox"
        let ids = Array(Set(form.ticketIDs ?? [])).sorted().prefix(500)
        guard !ids.isEmpty else { return req.redirect(to: returnTo, notice: .bulkNothingSelected) }
        var update = TicketUpdate()
        update.assigneeID = try WebForm.assignee(form.assignee, currentAgent: agent.id)
        if let raw = form.status, !raw.isEmpty {
            guard let status = TicketStatus(rawValue: raw) else {
                throw RapportError.invalid(["status": "is not a status"])
            }
            update.status = status
        }
        if let tag = form.addTag?.trimmingCharacters(in: .whitespaces), !tag.isEmpty { update.addTags = [tag] }
        var skipped = 0
        for id in ids {
            do {
                try await req.requireTicketAccess(id)
                try await req.rapport.tickets.update(ticketID: id, with: update, by: agent.actor, on: req.db)
            } catch is TicketTransitionError {
                skipped += 1  // closed tickets never change; the others still do
            } catch let error as RapportError where error.status == .notFound {
                skipped += 1
            }
        }
        return req.redirect(to: returnTo, notice: skipped == 0 ? .bulkUpdated : .bulkPartlyUpdated)
    }
}
