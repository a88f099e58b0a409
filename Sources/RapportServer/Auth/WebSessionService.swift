import FluentKit
import Foundation
import RapportCore
import SQLKit
import Vapor

/// Starts, checks and ends browser sessions.
///
/// A session stays valid while it is used at least once every `idleLifetime`, and never longer
/// than `absoluteLifetime` after sign-in; a deactivated agent's sessions stop working at once.
struct WebSessionService: Sendable {
    let clock: any WallClock

    static let idleLifetime: TimeInterval = 7 * 24 * 3600
    static let absoluteLifetime: TimeInterval = 30 * 24 * 3600
    /// How stale `last_seen_at` may get before a request writes it again.
    private static let touchInterval: TimeInterval = 300

    struct Started: Sendable {
        let token: String
        let csrfToken: String
    }

    struct Active: Sendable {
        let sessionID: Int
        let csrfToken: String
        let agent: AuthenticatedAgent
    }

    func start(agentID: Int, userAgent: String, on database: any Database) async throws -> Started {
        let token = Self.randomToken()
        let session = WebSession()
        let now = clock.now()
        session.agentID = agentID
        session.tokenHash = Self.digest(token)
        session.csrfToken = Self.randomToken()
        session.userAgent = String(userAgent.prefix(200))
        session.createdAt = now
        session.lastSeenAt = now
        session.expiresAt = now.addingTimeInterval(Self.idleLifetime)
        try await session.create(on: database)
        return Started(token: token, csrfToken: session.csrfToken)
    }

    /// The session and its agent for a cookie token, or `nil` when it is unknown, expired or
    /// its agent has been deactivated.
    func authenticate(_ token: String, on database: any Database) async throws -> Active? {
        guard token.count >= 20, token.count < 200 else { return nil }
        // Every page asks this, so it is one indexed join rather than two model loads.
        struct Row: Decodable {
            let sessionID: Int
            let csrfToken: String
            let createdAt: Date
            let lastSeenAt: Date
            let expiresAt: Date
            let agentID: Int
            let name: String
            let role: AgentRole
            let isActive: Bool
        }
        guard
            let row = try await database.sql.raw(
                """
                SELECT s.id AS "sessionID", s.csrf_token AS "csrfToken", s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt",
                    s.expires_at AS "expiresAt", a.id AS "agentID", a.name AS "name", a.role AS "role", a.is_active AS "isActive"
                FROM web_sessions s JOIN agents a ON a.id = s.agent_id
                WHERE s.token_hash = \(bind: Self.digest(token))
                """
            ).first(decoding: Row.self)
        else { return nil }
        let now = clock.now()
        guard row.expiresAt > now else {
            try await WebSession.query(on: database).filter(\.$id == row.sessionID).delete()
            return nil
        }
        guard row.isActive else { return nil }
        if now.timeIntervalSince(row.lastSeenAt) > Self.touchInterval {
            let expiresAt = min(
                now.addingTimeInterval(Self.idleLifetime), row.createdAt.addingTimeInterval(Self.absoluteLifetime))
            try await database.sql.raw(
                """
                UPDATE web_sessions SET last_seen_at = \(bind: now), expires_at = \(bind: expiresAt) WHERE id = \(bind: row.sessionID)
                """
            ).run()
        }
        return Active(
            sessionID: row.sessionID, csrfToken: row.csrfToken,
            agent: AuthenticatedAgent(id: row.agentID, name: row.name, role: row.role, tokenID: nil))
    }

    func end(sessionID: Int, on database: any Database) async throws {
        try await WebSession.query(on: database).filter(\.$id == sessionID).delete()
    }

    static func randomToken() -> String {
        Data([UInt8].random(count: 32)).base64URLEncodedString()
    }

    static func digest(_ token: String) -> String {
        SHA256.hex(of: Data(token.utf8))
    }
}
