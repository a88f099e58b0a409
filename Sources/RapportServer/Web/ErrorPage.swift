import Leaf
import RapportCore
import Vapor

struct ErrorPageContext: Encodable, Sendable {
    let title: String
    let status: Int
    let heading: String
    let reason: String
    /// Where "back" leads: the inbox for agents, the help center for customers.
    let backURL: String
    let backLabel: String
}

/// The same, inside the help center's branded layout.
struct HelpErrorPageContext: Encodable, Sendable {
    let help: HelpChrome
    /// The search box starts empty.
    let query = ""
    let status: Int
    let heading: String
    let reason: String
}

/// Errors on workspace pages, as a page a person can act on. Customers on the help center or
/// the portal see it in the help center's own colours, with a way back there.
enum ErrorPage {
    static func isPublic(_ path: String) -> Bool {
        path == "/help" || path.hasPrefix("/help/") || path == "/portal" || path.hasPrefix("/portal/")
    }

    static func response(for error: RapportError, request: Request) async -> Response {
        let heading: String
        var reason = error.reason
        switch error.status {
        case .notFound:
            heading = "Not found"
            if error.reason.hasPrefix("There is no such address") {
                reason =
                    isPublic(request.url.path)
                    ? "This page does not exist. Check the address, or search the help center for what you need."
                    : "This page does not exist. Check the address, or go back to the inbox."
            }
        case .forbidden: heading = "Not allowed"
        case .unprocessableEntity, .badRequest: heading = "That did not work"
        case .payloadTooLarge:
            heading = "Too large"
            let limit = FileSize.text(request.application.rapport.attachments.maximumBytes)
            reason =
                "What you sent is larger than this form accepts. Files can be at most \(limit) each, and \(limit) together in one message. Go back, and attach fewer or smaller files."
        case .serviceUnavailable: heading = "Busy"
        default: heading = error.status.code >= 500 ? "Something went wrong" : "That did not work"
        }
        if !error.fields.isEmpty { reason = FormErrorWording.sentence(error) }
        let context = ErrorPageContext(
            title: heading, status: Int(error.status.code), heading: heading, reason: reason,
            backURL: "/inbox", backLabel: "Back to the inbox")
        do {
            if isPublic(request.url.path), error.status.code < 500,
                let help = try? await request.helpChrome(title: heading)
            {
                let page = HelpErrorPageContext(help: help, status: context.status, heading: heading, reason: reason)
                return try await request.helpPage("help-error", page, status: error.status)
            }
            let view = try await request.view.render("error", context)
            let response = try await view.encodeResponse(status: error.status, for: request)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            response.headers.replaceOrAdd(
                name: .contentSecurityPolicy, value: SecurityHeadersMiddleware.contentSecurityPolicy)
            if error.status == .serviceUnavailable { response.headers.replaceOrAdd(name: .retryAfter, value: "5") }
            return response
        } catch {
            request.logger.report(error: error)
            let response = Response(
                status: HTTPStatus(statusCode: context.status), body: .init(string: "\(heading): \(reason)"))
            response.headers.contentType = .plainText
            return response
        }
    }
}
