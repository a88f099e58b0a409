import Fluent
import RapportCore
import Vapor

/// `GET/POST /welcome?token=` — where an invited agent (or one who asked for a new password)
/// chooses their password from the emailed link, and is signed in. The link itself is the
/// secret; opening it (as mail scanners do) uses nothing up, only the form does.
struct WelcomePage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("welcome", use: show)
        routes.post("welcome", use: choose)
    }

    struct Context: Encodable {
        let title: String
        let token: String
        let name: String?
        let isInvitation: Bool
        let error: String?
        let valid: Bool
    }

    func show(req: Request) async throws -> Response {
        let token = String((req.queryString("token") ?? "").prefix(200))
        let pending = try await req.rapport.agentAccess.pendingLink(token, on: req.db)
        return try await render(req, token: token, pending: pending, error: nil, status: pending == nil ? .gone : .ok)
    }

    struct ChooseForm: Decodable {
        var token: String?
        var password: String?
        var passwordConfirmation: String?
        enum CodingKeys: String, CodingKey {
            case token, password
            case passwordConfirmation = "password_confirmation"
        }
    }

    func choose(req: Request) async throws -> Response {
        let form = try req.content.decode(ChooseForm.self)
        let token = String((form.token ?? "").prefix(200))
        do {
            let agent = try await req.rapport.agentAccess.redeem(
                token, password: form.password ?? "", confirmation: form.passwordConfirmation ?? "", on: req.db)
            let started = try await req.rapport.webSessions.start(
                agentID: try agent.requireID, userAgent: req.headers.first(name: .userAgent) ?? "", on: req.db)
            let response = req.redirect(
                to: "/inbox?notice=" + PageNotice.passwordChosen.rawValue, redirectType: .normal)
            response.cookies[WebSessionAuthenticator.cookieName] = WebSessionAuthenticator.cookie(
                started.token, for: req)
            return response
        } catch let error as RapportError where error.isFormProblem || error.status == .gone {
            let pending = try await req.rapport.agentAccess.pendingLink(token, on: req.db)
            return try await render(
                req, token: token, pending: pending,
                error: error.fields.isEmpty ? error.reason : FormErrorWording.sentence(error), status: error.status)
        }
    }

    private func render(
        _ req: Request, token: String, pending: (invitation: AgentInvitation, agent: Agent)?, error: String?,
        status: HTTPStatus
    ) async throws -> Response {
        let context = Context(
            title: pending?.invitation.purpose == .reset ? "Choose a new password" : "Welcome", token: token,
            name: pending?.agent.name,
            isInvitation: pending?.invitation.purpose != .reset, error: error, valid: pending != nil)
        let response = try await req.page("welcome", context, status: status)
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
        return response
    }
}
