import Fluent
import RapportCore
import Vapor

struct SignInPageContext: Encodable, Sendable {
    let title = "Sign in"
    let csrfToken: String
    let email: String
    let next: String
    let error: String?
    let notice: String?
}

/// Signing in and out of the workspace.
///
/// The sign-in form has no session yet, so its CSRF protection is a double-submit token: a
/// random value in a short-lived cookie and the same value in the form.
struct SignInPage: RouteCollection {
    static let formCookie = "rapport_signin"

    func boot(routes: any RoutesBuilder) throws {
        routes.get("sign-in", use: show)
        routes.post("sign-in", use: signIn)
    }

    func show(req: Request) async throws -> Response {
        if req.webSession != nil {
            return req.redirect(to: SignInRedirect.safePath(req.queryString("next")) ?? "/inbox")
        }
        return try await render(req, email: "", next: req.queryString("next") ?? "", error: nil, status: .ok)
    }

    struct SignInForm: Decodable {
        var email: String?
        var password: String?
        var next: String?
        var _csrf: String?
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        try CSRFProtectionMiddleware.checkOrigin(req)
        guard let expected = req.cookies[Self.formCookie]?.string, let provided = form._csrf,
            CSRFProtectionMiddleware.constantTimeEquals(expected, provided)
        else {
            return try await render(
                req, email: form.email ?? "", next: form.next ?? "",
                error: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let email = (form.email ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let guardian = req.rapport.signInGuard
        let client = HelpVisitor.address(req)
        if let refusal = try await guardian.refusal(email: email, client: client, on: req.db) {
            return try await render(
                req, email: email, next: form.next ?? "",
                error: refusal.sentence(from: req.rapport.settings.clock.now()),
                status: .tooManyRequests)
        }
        guard !email.isEmpty, let password = form.password, !password.isEmpty, password.utf8.count <= 1_000,
            let agent = try await req.rapport.agents.verifyLogin(email: email, password: password, on: req.db)
        else {
            try await guardian.recordFailure(email: email, client: client, on: req.db)
            return try await render(
                req, email: email, next: form.next ?? "",
                error: "That email and password do not match an active account. Check both and try again.",
                status: .unauthorized)
        }
        try await guardian.recordSuccess(email: email, on: req.db)
        let started = try await req.rapport.webSessions.start(
            agentID: try agent.requireID, userAgent: req.headers.first(name: .userAgent) ?? "", on: req.db)
        let response = req.redirect(to: SignInRedirect.safePath(form.next) ?? "/inbox", redirectType: .normal)
        response.cookies[WebSessionAuthenticator.cookieName] = WebSessionAuthenticator.cookie(started.token, for: req)
        response.cookies[Self.formCookie] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/sign-in", isHTTPOnly: true,
            sameSite: .lax)
        return response
    }

    /// `POST /sign-out`, registered behind the session and CSRF checks.
    static func signOut(req: Request) async throws -> Response {
        if let session = req.webSession {
            try await req.rapport.webSessions.end(sessionID: session.sessionID, on: req.db)
        }
        let response = req.redirect(to: "/sign-in?notice=signed-out", redirectType: .normal)
        response.cookies[WebSessionAuthenticator.cookieName] = WebSessionAuthenticator.expiredCookie(for: req)
        return response
    }

    private func render(_ req: Request, email: String, next: String, error: String?, status: HTTPStatus) async throws
        -> Response
    {
        let token =
            (req.cookies[Self.formCookie]?.string).flatMap { $0.count >= 20 && $0.count < 100 ? $0 : nil }
            ?? WebSessionService.randomToken()
        let context = SignInPageContext(
            csrfToken: token, email: String(email.prefix(320)), next: SignInRedirect.safePath(next) ?? "",
            error: error, notice: req.queryString("notice").flatMap(PageNotice.text(for:))
        )
        let response = try await req.page("sign-in", context, status: status)
        response.cookies[Self.formCookie] = HTTPCookies.Value(
            string: token, maxAge: 3600, path: "/sign-in", isSecure: req.isSecureConnection, isHTTPOnly: true,
            sameSite: .strict
        )
        return response
    }
}
