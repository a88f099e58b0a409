import RapportCore
import Vapor

struct CoachReplyRequest: Decodable {
    let draft: String
    let customerName: String
    let agentName: String
    let customerMessage: String?
    let customerUpset: Bool?
}

struct CoachInboundRequest: Decodable {
    let message: String
}

extension ReplyAnalysis: Content {}
extension InboundMood: Content {}

/// `POST /api/v1/coach/reply` and `POST /api/v1/coach/inbound` — the coach for any client.
struct CoachRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("coach", "reply", use: reply)
        routes.post("coach", "inbound", use: inbound)
    }

    func reply(req: Request) async throws -> ReplyAnalysis {
        let input = try req.decodeJSON(CoachReplyRequest.self)
        var problems = FieldErrors()
        if input.draft.count > CoachService.maximumTextLength {
            problems.add("draft", "must be at most \(CoachService.maximumTextLength) characters")
        }
        if (input.customerMessage?.count ?? 0) > CoachService.maximumTextLength {
            problems.add("customer_message", "must be at most \(CoachService.maximumTextLength) characters")
        }
        if input.customerName.count > 200 { problems.add("customer_name", "must be at most 200 characters") }
        if input.agentName.count > 200 { problems.add("agent_name", "must be at most 200 characters") }
        try problems.throwIfAny()
        return req.rapport.coach.coach.analyze(
            ReplyContext(
                draft: input.draft, customerName: input.customerName, agentName: input.agentName,
                customerMessage: input.customerMessage, customerUpset: input.customerUpset ?? false
            ))
    }

    func inbound(req: Request) async throws -> InboundMood {
        let input = try req.decodeJSON(CoachInboundRequest.self)
        guard input.message.count <= CoachService.maximumTextLength else {
            throw RapportError.invalid(["message": "must be at most \(CoachService.maximumTextLength) characters"])
        }
        return req.rapport.coach.moods.read(input.message)
    }
}
