import Fluent
import RapportCore
import Vapor

struct NewTicketForm: Codable, Sendable {
    var requesterEmail: String?
    var requesterPhone: String?
    var requesterName: String?
    var subject: String?
    var body: String?
    /// How the notes are kept: `note` (the team's call notes) or `customer` (the caller's words).
    var recordAs: String?
    var channel: String?
    var priority: String?
    var status: String?
    /// After Rapport pointed out the caller's open tickets: `new` to open one anyway.
    var confirm: String?
    /// …or the ticket to add the call to instead.
    var appendTo: String?

    enum CodingKeys: String, CodingKey {
        case requesterEmail = "requester_email"
        case requesterPhone = "requester_phone"
        case requesterName = "requester_name"
        case subject, body
        case recordAs = "record_as"
        case channel, priority, status, confirm
        case appendTo = "append_to"
    }

    var keepsCallerWords: Bool { recordAs == "customer" }
    var contact: CustomerService.CallerContact {
        CustomerService.CallerContact(email: requesterEmail, phone: requesterPhone, name: requesterName)
    }
}

struct NewTicketContext: Encodable, Sendable {
    let page: PageChrome
    let form: NewTicketForm
    let recordsCallerWords: Bool
    let channelOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let statusOptions: [SelectOption]
    let error: String?
    /// The caller's open tickets, when Rapport recognised them.
    let callerName: String?
    let openTickets: [TicketListRow]
    let hasOpenTickets: Bool
}

/// `GET/POST /tickets/new` — a ticket an agent opens for a customer: a phone call, a chat
/// outside Rapport, a conversation at the counter. Assigned to the agent who logs it.
///
/// What was said is kept as an internal note, or as the caller's own words, as the agent
/// chooses; nothing is emailed to the caller. A caller may be known only by their number,
/// which is kept on their record and recognises them on the next call; when they already have
/// an open ticket the page says so and offers to add the call to it.
struct NewTicketPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("tickets", "new", use: show)
        routes.post("tickets", "new", use: create)
    }

    func show(req: Request) async throws -> Response {
        var form = NewTicketForm(
            recordAs: "note", channel: TicketChannel.phone.rawValue, priority: TicketPriority.normal.rawValue,
            status: TicketStatus.open.rawValue)
        form.requesterEmail = req.queryString("email")
        form.requesterPhone = req.queryString("phone")
        return try await render(req, form: form, error: nil)
    }

    func create(req: Request) async throws -> Response {
        let agent = try req.agent
        let form = try req.content.decode(NewTicketForm.self)
        do {
            let channel = try WebForm.optionalChoice(form.channel, TicketChannel.self, field: "channel") ?? .phone
            let priority = try WebForm.optionalChoice(form.priority, TicketPriority.self, field: "priority") ?? .normal
            let status = try WebForm.optionalChoice(form.status, TicketStatus.self, field: "status") ?? .open
            let body = (form.body ?? "").withUnixLineEnds
            let message =
                form.keepsCallerWords
                ? NewMessage(kind: .reply, author: .customer, body: body)
                : NewMessage(kind: .note, author: .agent, body: body)
            if let target = form.appendTo.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
                var added = message
                if message.author == .agent { added.status = status == .open ? nil : status }
                let callerID = try await CustomerService.existing(form.contact, on: req.db)
                // The caller's words are theirs when they are known; else the ticket's requester's.
                let author: ActingParty =
                    message.author == .customer ? (callerID.map { .customer(id: $0) } ?? .system) : agent.actor
                _ = try await req.rapport.tickets.addMessage(added, toTicket: target, by: author, on: req.db)
                return req.redirect(to: "/tickets/\(target)", notice: .callAdded)
            }
            if form.confirm != "new", let callerID = try await CustomerService.existing(form.contact, on: req.db) {
                let open = try await Self.openTickets(of: callerID, access: try await req.ticketAccess(), on: req.db)
                if !open.isEmpty {
                    return try await render(req, form: form, error: nil, callerID: callerID, openTickets: open)
                }
            }
            let name = form.requesterName?.trimmingCharacters(in: .whitespaces)
            var contact = form.contact
            contact.name = (name?.isEmpty ?? true) ? nil : name
            let input = NewTicket(
                subject: form.subject ?? "", requester: .contact(contact), firstMessage: message,
                priority: priority, channel: channel, status: status, assigneeID: agent.id)
            let number = try await req.rapport.tickets.create(input, by: agent.actor, on: req.db)
            return req.redirect(to: "/tickets/\(number)", notice: .ticketCreated)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, form: form, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        } catch let error as TicketTransitionError {
            return try await render(req, form: form, error: error.description, status: .unprocessableEntity)
        }
    }

    /// The caller's tickets that are not solved yet, most recently updated first.
    static func openTickets(of customerID: Int, access: TicketAccess, on db: any Database) async throws
        -> [TicketSummaryDTO]
    {
        var filters = TicketListFilters()
        filters.access = access
        filters.requesterID = customerID
        filters.statuses = [.new, .open, .pending]
        return try await TicketQueries.page(filters, after: nil, limit: 5, on: db).tickets
    }

    private func render(
        _ req: Request, form: NewTicketForm, error: String?, callerID: Int? = nil, openTickets: [TicketSummaryDTO] = [],
        status: HTTPStatus = .ok
    ) async throws -> Response {
        let now = req.rapport.clock.now()
        let context = NewTicketContext(
            page: try req.chrome(title: "New ticket", section: "inbox"), form: form,
            recordsCallerWords: form.keepsCallerWords,
            channelOptions: SelectOption.choices(
                [TicketChannel.phone, .email, .chat, .web],
                selected: form.channel.flatMap(TicketChannel.init(rawValue:))),
            priorityOptions: SelectOption.choices(
                TicketPriority.allCases, selected: form.priority.flatMap(TicketPriority.init(rawValue:))),
            statusOptions: SelectOption.choices(
                [TicketStatus.open, .pending, .solved], selected: form.status.flatMap(TicketStatus.init(rawValue:))),
            error: error,
            callerName: openTickets.first?.requester.name,
            openTickets: openTickets.map { TicketListRow($0, now: now) },
            hasOpenTickets: !openTickets.isEmpty
        )
        return try await req.page("ticket-new", context, status: status)
    }
}
