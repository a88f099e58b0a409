import FluentKit
import Foundation
import RapportCore
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
        let agent: Agent
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
        guard let session = try await WebSession.query(on: database).filter(\.$tokenHash == Self.digest(token)).first() else { return nil }
        let now = clock.now()
        guard session.expiresAt > now else {
            try await session.delete(on: database)
            return nil
        }
        guard let agent = try await Agent.find(session.agentID, on: database), agent.isActive else { return nil }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            session.lastSeenAt = now
            session.expiresAt = min(now.addingTimeInterval(Self.idleLifetime), session.createdAt.addingTimeInterval(Self.absoluteLifetime))
            try await session.update(on: database)
        }
        return Active(sessionID: try session.requireID, csrfToken: session.csrfToken, agent: agent)
    }

    func end(sessionID: Int, on database: any Database) async throws {
        try await WebSession.query(on: database).filter(\.$id == sessionID).delete()
    }

    /// Signs an agent out everywhere, e.g. when they are deactivated or their password changes.
    func endAll(agentID: Int, on database: any Database) async throws {
        try await WebSession.query(on: database).filter(\.$agentID == agentID).delete()
    }

    static func randomToken() -> String {
        Data([UInt8].random(count: 32)).base64URLEncodedString()
    }

    static func digest(_ token: String) -> String {
        SHA256.hex(of: Data(token.utf8))
    }
}
