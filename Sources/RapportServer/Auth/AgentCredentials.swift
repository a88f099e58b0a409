import FluentKit
import Vapor

/// What a request is signed in with: a web session or an API token.
enum SignedInCredential: Sendable, Equatable {
    case session(Int)
    case token(Int)
}

/// Everything an agent can be signed in with, ended together: after a password change (by the
/// agent or an admin) or a change of their active flag, a stolen session or token no longer works.
enum AgentCredentials {
    /// Ends every web session and API token of the agent except the one in `keeping` (the one an
    /// agent who changes their own password is using).
    static func endAll(ofAgent agentID: Int, keeping: SignedInCredential? = nil, on database: any Database)
        async throws
    {
        var sessions = WebSession.query(on: database).filter(\.$agentID == agentID)
        if case .session(let id) = keeping { sessions = sessions.filter(\.$id != id) }
        try await sessions.delete()
        var tokens = ApiToken.query(on: database).filter(\.$agentID == agentID)
        if case .token(let id) = keeping { tokens = tokens.filter(\.$id != id) }
        try await tokens.delete()
    }
}

extension Request {
    /// The session or token this request is signed in with, if any.
    var signedInCredential: SignedInCredential? {
        if let session = webSession { return .session(session.sessionID) }
        if let token = auth.get(AuthenticatedAgent.self)?.tokenID { return .token(token) }
        return nil
    }
}

/// API tokens may carry an expiry; a token without one lasts until it is revoked.
struct AddApiTokenExpiry: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ApiToken.schema).field("expires_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ApiToken.schema).deleteField("expires_at").update()
    }
}
