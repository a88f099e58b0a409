import Vapor

/// Light, dark, or whatever the device prefers: chosen in the account menu, kept in a cookie so
/// the page arrives in the right colours (no script runs first).
enum ThemePreference: String, CaseIterable, Sendable {
    case system, light, dark

    static let cookieName = "rapport_theme"

    var label: String {
        switch self {
        case .system: "Like my device"
        case .light: "Light"
        case .dark: "Dark"
        }
    }
}

extension Request {
    var themePreference: ThemePreference {
        cookies[ThemePreference.cookieName].flatMap { ThemePreference(rawValue: $0.string) } ?? .system
    }
}

/// `POST /theme` — remembers the choice and goes back to the page it was made on.
struct ThemeRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("theme", use: choose)
    }

    struct ThemeForm: Decodable {
        var theme: String?
        var returnTo: String?
        enum CodingKeys: String, CodingKey {
            case theme
            case returnTo = "return_to"
        }
    }

    func choose(req: Request) async throws -> Response {
        let form = try req.content.decode(ThemeForm.self)
        let theme = form.theme.flatMap(ThemePreference.init(rawValue:)) ?? .system
        let response = req.redirect(to: SignInRedirect.safePath(form.returnTo) ?? "/inbox", redirectType: .normal)
        response.cookies[ThemePreference.cookieName] = HTTPCookies.Value(
            string: theme.rawValue, maxAge: 365 * 24 * 3600, path: "/",
            isSecure: req.isSecureConnection, isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
