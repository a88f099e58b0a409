import AsyncKit
import FluentKit
import RapportCore
import Vapor

/// Turns every error into a JSON body `{error, reason, fields}` with a fitting status, so no
/// client input produces an unexplained failure. Unexpected errors are logged and answered with
/// a 500 that reveals nothing internal.
struct RapportErrorMiddleware: AsyncMiddleware {
    struct Body: Content {
        let error: String
        let reason: String
        let fields: [String: String]
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let mapped = Self.map(error)
            if let place = DiskFull.place(of: error) {
                request.logger.critical(
                    "Out of disk space: a write to the \(place) failed and was not saved (\(String(reflecting: error))). Free space on the volume that holds the \(place == "database" ? "database" : "data directory"); requests that write are refused with 507 until then."
                )
            } else if mapped.status == .internalServerError {
                request.logger.report(error: error)
            }
            if Self.wantsPage(request) {
                return await ErrorPage.response(for: mapped, request: request)
            }
            let response = Response(status: mapped.status)
            try response.content.encode(
                Body(error: mapped.code, reason: mapped.reason, fields: mapped.fields), as: .json)
            if mapped.status == .serviceUnavailable {
                response.headers.replaceOrAdd(name: .retryAfter, value: "5")
            }
            if mapped.status == .unauthorized {
                response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"rapport\"")
            }
            return response
        }
    }

    /// Workspace pages get an HTML error page; the API, health checks and scripts get JSON.
    static func wantsPage(_ request: Request) -> Bool {
        let path = request.url.path
        if path == "/api" || path.hasPrefix("/api/") || path == "/health" { return false }
        if request.headers.first(name: .accept)?.contains("application/json") == true { return false }
        return true
    }

    static func map(_ error: any Error) -> RapportError {
        if let place = DiskFull.place(of: error) { return DiskFull.answer(place: place) }
        switch error {
        case let error as RapportError:
            return error
        case let error as TicketTransitionError:
            return RapportError(
                .unprocessableEntity, code: "invalid_status_transition", reason: error.description,
                fields: ["status": error.description])
        case let error as DecodingError:
            return decodingError(error)
        case is ConnectionPoolTimeoutError:
            // Every database connection stayed busy for the whole wait: overload, not a bug.
            return RapportError(
                .serviceUnavailable, code: "busy",
                reason: "The server is too busy to answer right now; try again in a few seconds.")
        case let error as any DatabaseError where error.isConstraintFailure:
            return .conflict("This would duplicate or break a link to an existing record.")
        case let error as any AbortError
        where error.status == .notFound && error.reason == HTTPResponseStatus.notFound.reasonPhrase:
            return RapportError(
                .notFound, code: "not_found",
                reason: "There is no such address. The API is described at /api/v1/openapi.json.")
        case let error as any AbortError:
            return RapportError(error.status, code: code(for: error.status), reason: error.reason)
        default:
            return RapportError(
                .internalServerError, code: "internal_error",
                reason: "Something went wrong on the server; it has been logged.")
        }
    }

    private static func decodingError(_ error: DecodingError) -> RapportError {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            let joined = keys.map { $0.intValue.map { "[\($0)]" } ?? RapportJSON.snakeCase($0.stringValue) }.joined(
                separator: ".")
            return joined.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            return .invalid([field: "is required"], reason: "The field '\(field)' is required.")
        case .typeMismatch(let type, let context):
            let field = path(context)
            return .invalid(
                [field.isEmpty ? "body" : field: "must be \(describe(type))"],
                reason: "The field '\(field)' has the wrong type.")
        case .valueNotFound(let type, let context):
            let field = path(context)
            return .invalid(
                [field: "must be \(describe(type)), not null"], reason: "The field '\(field)' must not be null.")
        case .dataCorrupted(let context):
            let field = path(context)
            if field.isEmpty {
                return .badRequest("The request body is not valid JSON.", code: "invalid_json")
            }
            return .invalid([field: context.debugDescription], reason: "The field '\(field)' has an invalid value.")
        @unknown default:
            return .badRequest("The request body could not be read.", code: "invalid_json")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String": return "a string"
        case "Int", "Int64": return "an integer"
        case "Double": return "a number"
        case "Bool": return "true or false"
        case _ where name.hasPrefix("Array"): return "an array"
        case _ where name.hasPrefix("Dictionary"): return "an object"
        default: return "a valid \(name)"
        }
    }

    private static func code(for status: HTTPResponseStatus) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthenticated"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 415: "unsupported_media_type"
        case 422: "validation_failed"
        case 429: "too_many_requests"
        default: status.code >= 500 ? "internal_error" : "error"
        }
    }
}
