import Fluent
import RapportCore
import Vapor

/// `/api/v1/tickets` — list, create, read, update, converse.
struct TicketRoutes: RouteCollection {
    /// Creation and messages may carry base64 attachments, so they accept larger bodies.
    let maximumBodyBytes: Int

    func boot(routes: any RoutesBuilder) throws {
        let tickets = routes.grouped("tickets")
        tickets.get(use: list)
        tickets.on(.POST, body: .collect(maxSize: ByteCount(value: maximumBodyBytes)), use: create)
        tickets.get(":number", use: read)
        tickets.patch(":number", use: update)
        tickets.on(
            .POST, ":number", "messages", body: .collect(maxSize: ByteCount(value: maximumBodyBytes)), use: addMessage)
        tickets.get(":number", "events", use: events)
    }

    func list(req: Request) async throws -> TicketPageDTO {
        var problems = FieldErrors()
        var filters = TicketListFilters()
        filters.statuses = parseChoices(req.queryString("status"), TicketStatus.self, field: "status", into: &problems)
        switch req.queryString("assignee") {
        case nil: break
        case "none": filters.assignee = .unassigned
        case "me": filters.assignee = .agent(try req.agent.id)
        case let raw?:
            if let id = Int(raw), id > 0 {
                filters.assignee = .agent(id)
            } else {
                problems.add("assignee", "must be an agent id, 'me' or 'none'")
            }
        }
        filters.teamID = req.queryInt("team", into: &problems)
        filters.requesterID = req.queryInt("requester", into: &problems)
        if let raw = req.queryString("tag") {
            if let tag = TagName.normalize(raw) { filters.tag = tag } else { problems.add("tag", "is not a valid tag") }
        }
        if let raw = req.queryString("updated_since") {
            if let date = RapportJSON.parseDate(raw) {
                filters.updatedSince = date
            } else {
                problems.add("updated_since", "must be an ISO 8601 date-time like 2026-03-01T09:30:00Z")
            }
        }
        let limit = req.pageLimit(into: &problems)
        let cursor = req.pageCursor(into: &problems)
        try problems.throwIfAny()
        filters.access = try await req.ticketAccess()
        let page = try await TicketQueries.page(filters, after: cursor, limit: limit, on: req.db)
        return TicketPageDTO(tickets: page.tickets, nextCursor: page.next?.encoded)
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeJSON(CreateTicketRequest.self).validated()
        let number = try await req.rapport.tickets.create(input, by: try req.agent.actor, on: req.db)
        let detail = try await TicketQueries.detail(ticketID: number, on: req.db)
        return try await detail.created(at: "/api/v1/tickets/\(number)", for: req)
    }

    func read(req: Request) async throws -> TicketDetailDTO {
        try await TicketQueries.detail(ticketID: try req.idParameter("number", naming: "Ticket"), on: req.db)
    }

    func update(req: Request) async throws -> TicketDetailDTO {
        let number = try req.idParameter("number", naming: "Ticket")
        let changes = try req.decodeJSON(UpdateTicketRequest.self).validated()
        try await req.rapport.tickets.update(ticketID: number, with: changes, by: try req.agent.actor, on: req.db)
        return try await TicketQueries.detail(ticketID: number, on: req.db)
    }

    func addMessage(req: Request) async throws -> Response {
        let number = try req.idParameter("number", naming: "Ticket")
        var problems = FieldErrors()
        let message = try req.decodeJSON(MessageInput.self).validated(field: "", defaultAuthor: .agent, into: &problems)
        try problems.throwIfAny()
        let messageID = try await req.rapport.tickets.addMessage(
            message, toTicket: number, by: try req.agent.actor, on: req.db)
        guard let created = try await TicketQueries.messages(ticketID: number, only: messageID, on: req.db).first else {
            throw RapportError.notFound("Message \(messageID)")
        }
        return try await created.encodeResponse(status: .created, for: req)
    }

    func events(req: Request) async throws -> [TicketEventDTO] {
        let number = try req.idParameter("number", naming: "Ticket")
        _ = try await TicketService.find(number, on: req.db)
        return try await TicketQueries.events(ticketID: number, on: req.db)
    }
}
