import Leaf
import Vapor

struct ErrorPageContext: Encodable, Sendable {
    let title: String
    let status: Int
    let heading: String
    let reason: String
}

/// Errors on workspace pages, as a page a person can act on.
enum ErrorPage {
    static func response(for error: RapportError, request: Request) async -> Response {
        let heading: String
        var reason = error.reason
        switch error.status {
        case .notFound:
            heading = "Not found"
            if error.reason.hasPrefix("There is no such address") { reason = "This page does not exist. Check the address, or go back to the inbox." }
        case .forbidden: heading = "Not allowed"
        case .unprocessableEntity, .badRequest: heading = "That did not work"
        case .payloadTooLarge: heading = "Too large"
        case .serviceUnavailable: heading = "Busy"
        default: heading = error.status.code >= 500 ? "Something went wrong" : "That did not work"
        }
        if !error.fields.isEmpty { reason = TicketPage.sentence(error) }
        let context = ErrorPageContext(title: heading, status: Int(error.status.code), heading: heading, reason: reason)
        do {
            let view = try await request.view.render("error", context)
            let response = try await view.encodeResponse(status: error.status, for: request)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            response.headers.replaceOrAdd(name: .contentSecurityPolicy, value: SecurityHeadersMiddleware.contentSecurityPolicy)
            if error.status == .serviceUnavailable { response.headers.replaceOrAdd(name: .retryAfter, value: "5") }
            return response
        } catch {
            request.logger.report(error: error)
            let response = Response(status: HTTPStatus(statusCode: context.status), body: .init(string: "\(heading): \(reason)"))
            response.headers.contentType = .plainText
            return response
        }
    }
}
