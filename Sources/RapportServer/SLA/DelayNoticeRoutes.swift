import Fluent
import RapportCore
import Vapor

/// The ticket page's buttons for a prepared delay notice: send it (as edited) or dismiss it.
struct DelayNoticeRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("tickets", ":number", "delay-notices", ":id", "send", use: send)
        routes.post("tickets", ":number", "delay-notices", ":id", "dismiss", use: dismiss)
    }

    struct SendForm: Decodable {
        var body: String?
    }

    func send(req: Request) async throws -> Response {
        let agent = try req.agent
        let number = try req.idParameter("number", naming: "Ticket")
        let id = try req.idParameter("id", naming: "Delay notice")
        let body = try req.content.decode(SendForm.self).body?.withUnixLineEnds
        try await req.rapport.slaAlerts(logger: req.logger).send(
            noticeID: id, ticketID: number, by: agent.id, body: body, on: req.db)
        return req.redirect(to: "/tickets/\(number)", notice: .delayNoticeSent)
    }

    func dismiss(req: Request) async throws -> Response {
        let agent = try req.agent
        let number = try req.idParameter("number", naming: "Ticket")
        try await req.rapport.slaAlerts(logger: req.logger).dismiss(
            noticeID: try req.idParameter("id", naming: "Delay notice"), ticketID: number, by: agent.id, on: req.db)
        return req.redirect(to: "/tickets/\(number)", notice: .delayNoticeDismissed)
    }
}
