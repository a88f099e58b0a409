import FluentKit
import RapportCore
import Vapor

/// Issues, checks and revokes API tokens. A token is `rpt_` plus 32 random bytes in base64url;
/// the database keeps only its SHA-256, so a leaked database does not leak usable tokens.
struct ApiTokenService: Sendable {
    let clock: any WallClock

    struct Issued: Sendable {
        let id: Int
        let token: String
        let prefix: String
    }

    static let tokenPrefix = "rpt_"

    func issue(forAgent agentID: Int, name: String, on database: any Database) async throws -> Issued {
        let secret = Self.tokenPrefix + Data([UInt8].random(count: 32)).base64URLEncodedString()
        let token = ApiToken()
        token.agentID = agentID
        token.name = String(name.prefix(100))
        token.tokenHash = Self.digest(secret)
        token.prefix = String(secret.prefix(Self.tokenPrefix.count + 6))
        token.createdAt = clock.now()
        try await token.create(on: database)
        return Issued(id: try token.requireID, token: secret, prefix: token.prefix)
    }

    /// The active agent a token belongs to, or `nil` for an unknown token or a deactivated agent.
    func authenticate(_ secret: String, on database: any Database) async throws -> (agent: Agent, tokenID: Int)? {
        guard secret.hasPrefix(Self.tokenPrefix), secret.count < 200 else { return nil }
        guard let token = try await ApiToken.query(on: database).filter(\.$tokenHash == Self.digest(secret)).first(),
              let agent = try await Agent.find(token.agentID, on: database), agent.isActive
        else { return nil }
        // Written at most once a minute, so busy integrations do not turn every read into a write.
        let now = clock.now()
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await token.update(on: database)
        }
        return (agent, try token.requireID)
    }

    func revoke(tokenID: Int, on database: any Database) async throws {
        try await ApiToken.query(on: database).filter(\.$id == tokenID).delete()
    }

    static func digest(_ secret: String) -> String {
        SHA256.hex(of: Data(secret.utf8))
    }
}
