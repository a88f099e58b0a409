import FluentKit
import RapportCore
import SQLKit
import Vapor

/// Issues, checks and revokes API tokens. A token is `rpt_` plus 32 random bytes in base64url;
/// the database keeps only its SHA-256, so a leaked database does not leak usable tokens.
struct ApiTokenService: Sendable {
    let clock: any WallClock

    struct Issued: Sendable {
        let id: Int
        let token: String
        let prefix: String
        let expiresAt: Date?
    }

    /// The longest lifetime a token may be given, in days.
    static let longestLifetimeDays = 3_650

    static let tokenPrefix = "rpt_"

    func issue(forAgent agentID: Int, name: String, expiresAt: Date? = nil, on database: any Database) async throws
        -> Issued
    {
        let secret = Self.tokenPrefix + Data([UInt8].random(count: 32)).base64URLEncodedString()
        let token = ApiToken()
        token.agentID = agentID
        token.name = String(name.prefix(100))
        token.tokenHash = Self.digest(secret)
        token.prefix = String(secret.prefix(Self.tokenPrefix.count + 6))
        token.createdAt = clock.now()
        token.expiresAt = expiresAt
        try await token.create(on: database)
        return Issued(id: try token.requireID, token: secret, prefix: token.prefix, expiresAt: expiresAt)
    }

    /// The active agent a token belongs to, or `nil` for an unknown or expired token or a
    /// deactivated agent.
    /// Runs on every API request, so it is one indexed join rather than two model loads.
    func authenticate(_ secret: String, on database: any Database) async throws -> AuthenticatedAgent? {
        guard secret.hasPrefix(Self.tokenPrefix), secret.count < 200 else { return nil }
        struct Row: Decodable {
            let tokenID: Int
            let lastUsedAt: Date?
            let expiresAt: Date?
            let agentID: Int
            let name: String
            let role: AgentRole
        }
        guard
            let row = try await database.sql.raw(
                """
                SELECT k.id AS "tokenID", k.last_used_at AS "lastUsedAt", k.expires_at AS "expiresAt", a.id AS "agentID", a.name AS "name", a.role AS "role"
                FROM api_tokens k JOIN agents a ON a.id = k.agent_id
                WHERE k.token_hash = \(bind: Self.digest(secret)) AND a.is_active = \(bind: true)
                """
            ).first(decoding: Row.self)
        else { return nil }
        let now = clock.now()
        if let expiresAt = row.expiresAt, expiresAt <= now { return nil }
        // Written at most once a minute, so busy integrations do not turn every read into a write.
        if row.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.sql.raw(
                "UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: row.tokenID)"
            ).run()
        }
        return AuthenticatedAgent(id: row.agentID, name: row.name, role: row.role, tokenID: row.tokenID)
    }

    func revoke(tokenID: Int, on database: any Database) async throws {
        try await ApiToken.query(on: database).filter(\.$id == tokenID).delete()
    }

    static func digest(_ secret: String) -> String {
        SHA256.hex(of: Data(secret.utf8))
    }
}
