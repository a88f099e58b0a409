import Fluent
import RapportCore
import Vapor

/// The agent a request acts for, set by `ApiTokenAuthenticator`.
struct AuthenticatedAgent: Authenticatable, Sendable {
    let id: Int
    let name: String
    let role: AgentRole
    let tokenID: Int?

    var isAdmin: Bool { role == .admin }
    var actor: ActingParty { .agent(id: id) }
}

/// Reads `Authorization: Bearer <token>` and logs the token's agent in.
struct ApiTokenAuthenticator: AsyncBearerAuthenticator {
    func authenticate(bearer: BearerAuthorization, for request: Request) async throws {
        guard let agent = try await request.rapport.apiTokens.authenticate(bearer.token, on: request.db) else { return }
        request.auth.login(agent)
    }
}

/// Rejects requests without an authenticated agent with a 401 that says how to authenticate.
struct RequireAgentMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(AuthenticatedAgent.self) else { throw RapportError.unauthenticated }
        return try await next.respond(to: request)
    }
}

extension Request {
    var agent: AuthenticatedAgent {
        get throws {
            guard let agent = auth.get(AuthenticatedAgent.self) else { throw RapportError.unauthenticated }
            return agent
        }
    }

    /// The signed-in agent, if they are an admin; otherwise a 403.
    func requireAdmin() throws -> AuthenticatedAgent {
        let agent = try self.agent
        guard agent.isAdmin else { throw RapportError.adminOnly }
        return agent
    }
}
