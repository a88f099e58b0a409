import Fluent
import Foundation
import RapportCore
import Vapor

/// What every public page (help center and portal) shows around its content.
struct HelpChrome: Encodable, Sendable {
    let title: String
    let siteName: String
    let tagline: String
    let accentColor: String
    let hasLogo: Bool
    /// Protects the public forms: the same random value as the visitor's cookie.
    let visitToken: String
    let signedInName: String?
    let portalCSRF: String?
    let notice: String?
}

/// A visitor's random id, in a cookie and in every public form, so a form posted from another
/// site (which cannot read the cookie) is refused; also links a contact-form visit's opened
/// suggestions to whether the form was then sent.
enum HelpVisitor {
    static let cookieName = "rapport_visit"

    static func token(_ req: Request) -> String {
        if let existing = req.cookies[cookieName]?.string, existing.count >= 16, existing.count <= 64,
            existing.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        {
            return existing
        }
        if let fresh = req.storage[FreshToken.self] { return fresh }
        let fresh = Data([UInt8].random(count: 18)).base64URLEncodedString()
        req.storage[FreshToken.self] = fresh
        return fresh
    }

    /// Sets the cookie on a response when this request made up a new visitor id.
    static func remember(_ req: Request, on response: Response) {
        guard let fresh = req.storage[FreshToken.self] else { return }
        response.cookies[cookieName] = HTTPCookies.Value(
            string: fresh, maxAge: 180 * 86_400, path: "/", isSecure: req.isSecureConnection,
            isHTTPOnly: true, sameSite: .lax)
    }

    /// Refuses a public form whose token does not match the visitor's cookie.
    static func check(_ req: Request, submitted: String?) throws -> String {
        guard let cookie = req.cookies[cookieName]?.string, let submitted, !submitted.isEmpty, cookie == submitted
        else {
            throw RapportError(
                .forbidden, code: "form_expired",
                reason: "This form has expired. Go back, reload the page and send it again.")
        }
        return cookie
    }

    /// Who is asking, for rate limits: the peer address, or behind a trusted proxy the client
    /// it names in X-Forwarded-For (see `ClientAddress`).
    static func address(_ req: Request) -> String {
        ClientAddress.resolve(
            peer: req.remoteAddress?.ipAddress, forwardedFor: req.headers[.xForwardedFor],
            trusted: req.rapport.settings.trustedProxies)
    }

    private struct FreshToken: StorageKey { typealias Value = String }
}

extension Request {
    func helpChrome(title: String, notice: String? = nil) async throws -> HelpChrome {
        let branding = try await HelpCenterBranding.load(on: db)
        let portal = try await portalCustomer()
        return HelpChrome(
            title: title, siteName: branding.name, tagline: branding.tagline,
            accentColor: HelpCenterBranding.isColor(branding.accentColor)
                ? branding.accentColor : HelpCenterBranding().accentColor,
            hasLogo: branding.logoFile != nil, visitToken: HelpVisitor.token(self), signedInName: portal?.customer.name,
            portalCSRF: portal?.session.csrfToken, notice: notice)
    }

    /// A public page: rendered, not cached, and with the visitor cookie when it is new.
    func helpPage(_ template: String, _ context: some Encodable, status: HTTPStatus = .ok) async throws -> Response {
        let response = try await page(template, context, status: status)
        HelpVisitor.remember(self, on: response)
        // Articles may show images from other sites; nothing else loosens the workspace's policy.
        response.headers.replaceOrAdd(
            name: .contentSecurityPolicy,
            value: SecurityHeadersMiddleware.contentSecurityPolicy
                .replacingOccurrences(of: "img-src 'self' data:", with: "img-src 'self' data: https:"))
        return response
    }
}
