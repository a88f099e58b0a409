import Fluent
import RapportCore
import Vapor

struct CreateTokenRequest: Decodable {
    let email: String
    let password: String
    let name: String?
    /// Days until the token stops working; without it the token lasts until revoked.
    let expiresInDays: Int?
}

struct IssuedTokenDTO: Content {
    let token: String
    let prefix: String
    let agent: PersonReferenceDTO
    /// Absent for a token that lasts until revoked.
    let expiresAt: Date?
}

struct TokenDTO: Content {
    let id: Int
    let name: String
    let prefix: String
    let createdAt: Date
    let lastUsedAt: Date?
    let expiresAt: Date?
    /// Whether this request is made with it.
    let current: Bool
}

struct MeDTO: Content {
    let agent: AgentDTO
}

/// Exchanging a password for an API token, and the token's own agent.
struct AuthRoutes: RouteCollection {
    /// Registered outside the token guard: this is how a client gets its first token.
    func bootPublic(routes: any RoutesBuilder) {
        routes.post("auth", "tokens", use: createToken)
    }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("me", use: me)
        routes.get("auth", "tokens", use: listTokens)
        routes.delete("auth", "tokens", "current", use: revokeCurrent)
        routes.delete("auth", "tokens", ":id", use: revokeToken)
    }

    func createToken(req: Request) async throws -> Response {
        let input = try req.decodeJSON(CreateTokenRequest.self)
        if let days = input.expiresInDays, !(1...ApiTokenService.longestLifetimeDays).contains(days) {
            throw RapportError.invalid([
                "expires_in_days":
                    "must be between 1 and \(ApiTokenService.longestLifetimeDays), or left out for no expiry"
            ])
        }
        let signInGuard = req.rapport.signInGuard
        let client = HelpVisitor.address(req)
        if let refusal = try await signInGuard.refusal(email: input.email, client: client, on: req.db) {
            let now = req.rapport.settings.clock.now()
            let error = RapportError(.tooManyRequests, code: "too_many_attempts", reason: refusal.sentence(from: now))
            let seconds = refusal.minutes(from: now) * 60
            let response = try await RapportErrorMiddleware.Body(error: error.code, reason: error.reason, fields: [:])
                .encodeResponse(status: error.status, for: req)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(seconds))
            return response
        }
        guard
            let agent = try await req.rapport.agents.verifyLogin(
                email: input.email, password: input.password, on: req.db)
        else {
            try await signInGuard.recordFailure(email: input.email, client: client, on: req.db)
            throw RapportError(
                .unauthorized, code: "invalid_credentials",
                reason: "The email or password is not right, or the account is deactivated.")
        }
        try await signInGuard.recordSuccess(email: input.email, on: req.db)
        let expiresAt = input.expiresInDays.map {
            req.rapport.settings.clock.now().addingTimeInterval(TimeInterval($0) * 24 * 3600)
        }
        let issued = try await req.rapport.apiTokens.issue(
            forAgent: try agent.requireID, name: input.name ?? "API token", expiresAt: expiresAt, on: req.db)
        return try await IssuedTokenDTO(
            token: issued.token, prefix: issued.prefix,
            agent: PersonReferenceDTO(id: try agent.requireID, name: agent.name, email: agent.email),
            expiresAt: issued.expiresAt
        ).encodeResponse(status: .created, for: req)
    }

    func me(req: Request) async throws -> MeDTO {
        let id = try req.agent.id
        guard let agent = try await AgentDTO.load(ids: [id], on: req.db).first else {
            throw RapportError.unauthenticated
        }
        return MeDTO(agent: agent)
    }

    func listTokens(req: Request) async throws -> [TokenDTO] {
        let agent = try req.agent
        return try await ApiToken.query(on: req.db).filter(\.$agentID == agent.id).sort(\.$id).all().map { token in
            TokenDTO(
                id: try token.requireID, name: token.name, prefix: token.prefix, createdAt: token.createdAt,
                lastUsedAt: token.lastUsedAt, expiresAt: token.expiresAt, current: token.id == agent.tokenID)
        }
    }

    func revokeToken(req: Request) async throws -> HTTPStatus {
        let id = try req.idParameter("id", naming: "Token")
        guard
            let token = try await ApiToken.query(on: req.db).filter(\.$id == id).filter(\.$agentID == req.agent.id)
                .first()
        else { throw RapportError.notFound("Token \(id)") }
        try await req.rapport.apiTokens.revoke(tokenID: try token.requireID, on: req.db)
        return .noContent
    }

    func revokeCurrent(req: Request) async throws -> HTTPStatus {
        guard let tokenID = try req.agent.tokenID else {
            throw RapportError.badRequest("This request was not made with an API token.")
        }
        try await req.rapport.apiTokens.revoke(tokenID: tokenID, on: req.db)
        return .noContent
    }
}
