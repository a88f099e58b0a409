import Fluent
import Vapor

/// The browser session a request belongs to, set by `WebSessionAuthenticator`.
struct WebSessionContext: Sendable {
    let sessionID: Int
    let csrfToken: String
}

extension Request {
    private struct WebSessionKey: StorageKey { typealias Value = WebSessionContext }

    var webSession: WebSessionContext? {
        get { storage[WebSessionKey.self] }
        set { storage[WebSessionKey.self] = newValue }
    }
}

/// Reads the session cookie and signs its agent in for this request.
struct WebSessionAuthenticator: AsyncMiddleware {
    static let cookieName = "rapport_session"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let token = request.cookies[Self.cookieName]?.string,
            let active = try await request.rapport.webSessions.authenticate(token, on: request.db)
        {
            request.auth.login(active.agent)
            request.webSession = WebSessionContext(sessionID: active.sessionID, csrfToken: active.csrfToken)
        }
        return try await next.respond(to: request)
    }

    /// The session cookie: never readable by scripts, not sent on cross-site subrequests, and
    /// `Secure` whenever the workspace is reached over HTTPS.
    static func cookie(_ token: String, for request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: token, maxAge: Int(WebSessionService.idleLifetime), path: "/",
            isSecure: request.isSecureConnection, isHTTPOnly: true, sameSite: .lax
        )
    }

    static func expiredCookie(for request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
            isSecure: request.isSecureConnection, isHTTPOnly: true, sameSite: .lax)
    }
}

/// Sends visitors without a session to the sign-in page, remembering where they were going.
struct RequireSignedInMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.webSession != nil, request.auth.has(AuthenticatedAgent.self) else {
            if request.headers.first(name: .accept)?.contains("application/json") == true {
                throw RapportError(
                    .unauthorized, code: "unauthenticated", reason: "Your session has ended; sign in again.")
            }
            var target = "/sign-in"
            if request.method == .GET, let next = SignInRedirect.safePath(request.url.string), next != "/" {
                target += "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            return request.redirect(to: target, redirectType: .normal)
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// Whether the browser reached us over HTTPS, directly or through a proxy that says so.
    var isSecureConnection: Bool {
        application.rapport.settings.secureCookies || url.scheme == "https"
            || headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https"
    }
}
