import Vapor

/// An error a client can act on: an HTTP status, a stable machine-readable code, a sentence for
/// a person, and per-field reasons for input that failed validation.
///
/// Rendered by `RapportErrorMiddleware` as `{"error": code, "reason": reason, "fields": {...}}`.
public struct RapportError: Error, Sendable, Equatable {
    public let status: HTTPResponseStatus
    public let code: String
    public let reason: String
    public let fields: [String: String]

    public init(_ status: HTTPResponseStatus, code: String, reason: String, fields: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.reason = reason
        self.fields = fields
    }

    public static func invalid(
        _ fields: [String: String], reason: String = "Some fields are missing or invalid; see fields."
    ) -> RapportError {
        RapportError(.unprocessableEntity, code: "validation_failed", reason: reason, fields: fields)
    }

    public static func badRequest(_ reason: String, code: String = "bad_request") -> RapportError {
        RapportError(.badRequest, code: code, reason: reason)
    }

    public static func notFound(_ what: String) -> RapportError {
        RapportError(.notFound, code: "not_found", reason: "\(what) does not exist or you cannot see it.")
    }

    public static func conflict(_ reason: String, fields: [String: String] = [:]) -> RapportError {
        RapportError(.conflict, code: "conflict", reason: reason, fields: fields)
    }

    public static let unauthenticated = RapportError(
        .unauthorized, code: "unauthenticated",
        reason:
            "Send a valid API token as 'Authorization: Bearer <token>'. Create one with POST /api/v1/auth/tokens or 'rapport token create'."
    )

    public static let adminOnly = RapportError(.forbidden, code: "forbidden", reason: "Only admins can do this.")

    /// Invalid or conflicting input: a form shows it beside the fields instead of an error page.
    var isFormProblem: Bool { status == .unprocessableEntity || status == .conflict }
}

/// Collects field problems while validating input, then throws them all at once.
struct FieldErrors {
    private(set) var fields: [String: String] = [:]

    mutating func add(_ field: String, _ reason: String) {
        if fields[field] == nil { fields[field] = reason }
    }

    var isEmpty: Bool { fields.isEmpty }

    /// The trimmed text of a required field, noting a problem if it is empty or too long.
    mutating func requiredText(_ raw: String, field: String, maximumLength: Int) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { add(field, "must not be empty") }
        if text.count > maximumLength { add(field, "must be at most \(maximumLength) characters") }
        return text
    }

    func throwIfAny() throws {
        if !fields.isEmpty { throw RapportError.invalid(fields) }
    }
}
