import FluentKit
import Foundation

/// A link to choose a password: sent when an admin invites an agent, or sends a reset.
final class AgentInvitation: Model, @unchecked Sendable {
    static let schema = "agent_invitations"

    enum Purpose: String, Codable, Sendable {
        case invitation
        case reset
    }

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "agent_id") var agentID: Int
    @Field(key: "token_digest") var tokenDigest: String
    @Enum(key: "purpose") var purpose: Purpose
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}
}
