import Fluent
import RapportCore
import Vapor

struct NewTicketForm: Codable, Sendable {
    var requesterEmail: String?
    var requesterName: String?
    var subject: String?
    var body: String?
    var channel: String?
    var priority: String?
    var status: String?

    enum CodingKeys: String, CodingKey {
        case requesterEmail = "requester_email", requesterName = "requester_name", subject, body, channel, priority, status
    }
}

struct NewTicketContext: Encodable, Sendable {
    let page: PageChrome
    let form: NewTicketForm
    let channelOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let statusOptions: [SelectOption]
    let error: String?
}

/// `GET/POST /tickets/new` — a ticket an agent opens for a customer: a phone call, a chat
/// outside Rapport, a conversation at the counter. Assigned to the agent who logs it.
struct NewTicketPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("tickets", "new", use: show)
        routes.post("tickets", "new", use: create)
    }

    func show(req: Request) async throws -> Response {
        var form = NewTicketForm(channel: TicketChannel.phone.rawValue, priority: TicketPriority.normal.rawValue, status: TicketStatus.open.rawValue)
        form.requesterEmail = req.queryString("email")
        return try await render(req, form: form, error: nil)
    }

    func create(req: Request) async throws -> Response {
        let agent = try req.agent
        let form = try req.content.decode(NewTicketForm.self)
        do {
            let channel = try WebForm.optionalChoice(form.channel, TicketChannel.self, field: "channel") ?? .phone
            let priority = try WebForm.optionalChoice(form.priority, TicketPriority.self, field: "priority") ?? .normal
            let status = try WebForm.optionalChoice(form.status, TicketStatus.self, field: "status") ?? .open
            let name = form.requesterName?.trimmingCharacters(in: .whitespaces)
            let input = NewTicket(
                subject: form.subject ?? "",
                requester: .email(form.requesterEmail ?? "", name: (name?.isEmpty ?? true) ? nil : name),
                firstMessage: NewMessage(kind: .reply, author: .agent, body: (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n")),
                priority: priority, channel: channel, status: status, assigneeID: agent.id
            )
            let number = try await req.rapport.tickets.create(input, by: agent.actor, on: req.db)
            return req.redirect(to: "/tickets/\(number)", notice: .ticketCreated)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(req, form: form, error: TicketPage.sentence(error), status: .unprocessableEntity)
        }
    }

    private func render(_ req: Request, form: NewTicketForm, error: String?, status: HTTPStatus = .ok) async throws -> Response {
        let context = NewTicketContext(
            page: try req.chrome(title: "New ticket", section: "inbox"), form: form,
            channelOptions: SelectOption.choices([TicketChannel.phone, .email, .chat, .web], selected: form.channel.flatMap(TicketChannel.init(rawValue:))),
            priorityOptions: SelectOption.choices(TicketPriority.allCases, selected: form.priority.flatMap(TicketPriority.init(rawValue:))),
            statusOptions: SelectOption.choices([TicketStatus.open, .pending, .solved], selected: form.status.flatMap(TicketStatus.init(rawValue:))),
            error: error
        )
        return try await req.page("ticket-new", context, status: status)
    }
}
