import Fluent
import RapportCore
import Vapor

/// `POST /api/v1/mail/inbound`: a raw RFC 5322 message as the body, from an MTA hook,
/// `rapport mailgate`, or another system. Answers 201 once the message is committed (or was
/// a bounce), 200 for a duplicate or a message deliberately not stored, 4xx for a message that
/// will never be taken (retrying cannot help), 5xx or 503 when the sender should retry.
struct MailInboundRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(
            .POST, "mail", "inbound", body: .collect(maxSize: ByteCount(value: InboundMailService.maximumMessageBytes)),
            use: inbound)
    }

    func inbound(req: Request) async throws -> Response {
        try await Self.authorize(req)
        guard let body = req.body.data, body.readableBytes > 0 else {
            throw RapportError.badRequest(
                "Send the raw message (RFC 5322) as the request body, with Content-Type: message/rfc822.",
                code: "empty_message")
        }
        let result = try await req.rapport.inboundMail.receive(Array(body.readableBytesView), on: req.db)
        let status: HTTPResponseStatus = [.created, .appended, .bounce].contains(result.outcome) ? .created : .ok
        let response = Response(status: status)
        try response.content.encode(result, as: .json)
        return response
    }

    /// The inbound token from the mail settings, or an administrator's API token.
    static func authorize(_ req: Request) async throws {
        guard let bearer = req.headers.bearerAuthorization?.token, bearer.count < 300 else {
            throw RapportError.unauthenticated
        }
        if bearer.hasPrefix("rin_") {
            let settings = try await req.rapport.mailSettings.load(on: req.db)
            guard let digest = settings.inboundTokenDigest, digest == ApiTokenService.digest(bearer) else {
                throw RapportError.unauthenticated
            }
            return
        }
        guard let agent = try await req.rapport.apiTokens.authenticate(bearer, on: req.db) else {
            throw RapportError.unauthenticated
        }
        guard agent.role == .admin else {
            throw RapportError(
                .forbidden, code: "forbidden",
                reason: "Only the inbound mail token or an administrator's token may deliver mail.")
        }
    }
}
