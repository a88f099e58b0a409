import Fluent
import RapportCore
import Vapor

/// `/profile`: what an agent manages themselves — their name and signature, their password,
/// and what they are told about.
struct ProfilePage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("profile", use: show)
        routes.post("profile", use: save)
        routes.post("profile", "password", use: changePassword)
        routes.post("profile", "notifications", use: saveNotifications)
    }

    struct Context: Encodable {
        let page: PageChrome
        let name: String
        let email: String
        let signature: String
        let preferences: Preferences
        let profileError: String?
        let passwordError: String?
    }

    struct Preferences: Encodable {
        let assignedInApp: Bool
        let assignedEmail: Bool
        let repliedInApp: Bool
        let repliedEmail: Bool
        let slaInApp: Bool
        let slaEmail: Bool

        init(_ preferences: NotificationPreferences) {
            assignedInApp = preferences.assigned.inApp
            assignedEmail = preferences.assigned.email
            repliedInApp = preferences.customerReplied.inApp
            repliedEmail = preferences.customerReplied.email
            slaInApp = preferences.sla.inApp
            slaEmail = preferences.sla.email
        }
    }

    func show(req: Request) async throws -> Response {
        try await render(req)
    }

    struct ProfileForm: Decodable {
        var name: String?
        var signature: String?
    }

    func save(req: Request) async throws -> Response {
        let form = try req.content.decode(ProfileForm.self)
        var change = AgentUpdate()
        change.name = form.name ?? ""
        change.signature = (form.signature ?? "").withUnixLineEnds
        do {
            try await req.rapport.agents.update(agentID: try req.agent.id, with: change, on: req.db)
            return req.redirect(to: "/profile", notice: .profileSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, profileError: FormErrorWording.sentence(error), name: form.name, signature: form.signature,
                status: .unprocessableEntity)
        }
    }

    struct PasswordForm: Decodable {
        var currentPassword: String?
        var newPassword: String?
        var passwordConfirmation: String?
        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
            case newPassword = "new_password"
            case passwordConfirmation = "password_confirmation"
        }
    }

    func changePassword(req: Request) async throws -> Response {
        let form = try req.content.decode(PasswordForm.self)
        do {
            try await req.rapport.agentAccess.changePassword(
                agentID: try req.agent.id, current: form.currentPassword ?? "", new: form.newPassword ?? "",
                confirmation: form.passwordConfirmation ?? "", keepingSession: req.webSession?.sessionID, on: req.db)
            return req.redirect(to: "/profile", notice: .passwordChanged)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(req, passwordError: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    func saveNotifications(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var preferences = NotificationPreferences()
        preferences.assigned = .init(inApp: form["assigned_in_app"] == "true", email: form["assigned_email"] == "true")
        preferences.customerReplied = .init(
            inApp: form["replied_in_app"] == "true", email: form["replied_email"] == "true")
        preferences.sla = .init(inApp: form["sla_in_app"] == "true", email: form["sla_email"] == "true")
        let agent = try await Agent.find(try req.agent.id, orNotFound: "Agent", on: req.db)
        agent.notificationPreferencesJSON = preferences.encoded
        agent.updatedAt = req.rapport.clock.now()
        try await agent.update(on: req.db)
        return req.redirect(to: "/profile", notice: .notificationSettingsSaved)
    }

    private func render(
        _ req: Request, profileError: String? = nil, passwordError: String? = nil, name: String? = nil,
        signature: String? = nil,
        status: HTTPStatus = .ok
    ) async throws -> Response {
        let agent = try await Agent.find(try req.agent.id, orNotFound: "Agent", on: req.db)
        let context = Context(
            page: try req.chrome(title: "Your profile", section: "profile"), name: name ?? agent.name,
            email: agent.email,
            signature: signature ?? agent.signature, preferences: Preferences(agent.notificationPreferences),
            profileError: profileError, passwordError: passwordError
        )
        return try await req.page("profile", context, status: status)
    }
}
