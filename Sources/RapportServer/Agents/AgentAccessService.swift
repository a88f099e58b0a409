import FluentKit
import Foundation
import RapportCore
import RapportMail
import Vapor

/// How agents get in: an admin invites them and they choose their own password by an emailed
/// link; a forgotten password is replaced the same way; a signed-in agent changes theirs by
/// giving the current one. A link is random, kept only as its SHA-256, used once, and expires.
struct AgentAccessService: Sendable {
    let clock: any WallClock
    let agents: AgentService
    let passwords: PasswordHashing
    let outbox: MailOutbox

    static let invitationLifetime: TimeInterval = 7 * 24 * 3600
    static let resetLifetime: TimeInterval = 24 * 3600

    /// A link made for an agent, and whether it was emailed to them (else the admin hands it over).
    struct IssuedLink: Sendable {
        let agentID: Int
        let url: String
        let emailed: Bool
    }

    /// Creates the agent with no usable password and sends them a link to choose one.
    func invite(
        name: String, email: String, role: AgentRole, ticketScope: TicketScope = .all, publicURL: String,
        on database: any Database
    ) async throws -> IssuedLink {
        // A password no one knows until the agent chooses theirs.
        let placeholder = Data([UInt8].random(count: 24)).base64URLEncodedString()
        let agentID = try await agents.create(
            NewAgent(name: name, email: email, role: role, ticketScope: ticketScope, password: placeholder),
            on: database)
        return try await issueLink(for: agentID, purpose: .invitation, publicURL: publicURL, on: database)
    }

    /// A new link for an agent (an invitation sent again, or a password reset); earlier unused
    /// links stop working.
    func issueLink(for agentID: Int, purpose: AgentInvitation.Purpose, publicURL: String, on database: any Database)
        async throws -> IssuedLink
    {
        let agent = try await Agent.find(agentID, orNotFound: "Agent", on: database)
        guard agent.isActive else {
            throw RapportError.conflict("\(agent.name) is deactivated; reactivate them first.")
        }
        let token = "rinv_" + Data([UInt8].random(count: 32)).base64URLEncodedString()
        let url = publicURL + "/welcome?token=" + token
        let now = clock.now()
        let emailed = try await database.write { tx -> Bool in
            try await AgentInvitation.query(on: tx.db).filter(\.$agentID == agentID).filter(\.$usedAt == nil).set(
                \.$usedAt, to: now
            ).update()
            let invitation = AgentInvitation()
            invitation.agentID = agentID
            invitation.tokenDigest = WebSessionService.digest(token)
            invitation.purpose = purpose
            invitation.createdAt = now
            invitation.expiresAt = now.addingTimeInterval(
                purpose == .invitation ? Self.invitationLifetime : Self.resetLifetime)
            try await invitation.create(on: tx.db)
            let (subject, text) = Self.message(purpose, name: agent.name, url: url)
            return try await outbox.enqueueAgentMail(to: agent, subject: subject, text: text, in: tx)
        }
        return IssuedLink(agentID: agentID, url: url, emailed: emailed)
    }

    static func message(_ purpose: AgentInvitation.Purpose, name: String, url: String) -> (
        subject: String, text: String
    ) {
        switch purpose {
        case .invitation:
            return (
                "You are invited to the help desk",
                """
                Hello \(name.firstName),

                you have been given an account on the team's help desk. Choose your password here to sign in:

                \(url)

                The link works once, for seven days.
                """
            )
        case .reset:
            return (
                "Choose a new password for the help desk",
                """
                Hello \(name.firstName),

                to choose a new password for the help desk, open this link:

                \(url)

                The link works once, for a day. If you did not expect this, you can ignore it; your password stays as it is.
                """
            )
        }
    }

    /// The agent a link is for, while it can still be used.
    func pendingLink(_ token: String, on database: any Database) async throws -> (
        invitation: AgentInvitation, agent: Agent
    )? {
        guard token.hasPrefix("rinv_"), token.count < 200 else { return nil }
        guard
            let invitation = try await AgentInvitation.query(on: database).filter(
                \.$tokenDigest == WebSessionService.digest(token)
            ).first(),
            invitation.usedAt == nil, invitation.expiresAt > clock.now(),
            let agent = try await Agent.find(invitation.agentID, on: database), agent.isActive
        else { return nil }
        return (invitation, agent)
    }

    /// Sets the password a link's agent chose and uses the link up; every earlier session ends.
    func redeem(_ token: String, password: String, confirmation: String, on database: any Database) async throws
        -> Agent
    {
        var problems = FieldErrors()
        if let problem = PasswordHashing.problem(with: password) { problems.add("password", problem) }
        if password != confirmation { problems.add("password_confirmation", "does not match the password") }
        try problems.throwIfAny()
        guard let (invitation, agent) = try await pendingLink(token, on: database) else {
            throw RapportError(
                .gone, code: "link_expired",
                reason: "This link has expired or was already used. Ask an admin for a new one.")
        }
        let hash = try await passwords.hash(password)
        try await database.write { tx in
            invitation.usedAt = clock.now()
            try await invitation.update(on: tx.db)
            agent.passwordHash = hash
            agent.updatedAt = clock.now()
            try await agent.update(on: tx.db)
            try await AgentCredentials.endAll(ofAgent: try agent.requireID, on: tx.db)
        }
        return agent
    }

    /// A signed-in agent's own password change: the current password first. Their other
    /// sessions and their API tokens end; the session they are using stays.
    func changePassword(
        agentID: Int, current: String, new: String, confirmation: String, keepingSession sessionID: Int?,
        on database: any Database
    ) async throws {
        let agent = try await Agent.find(agentID, orNotFound: "Agent", on: database)
        var problems = FieldErrors()
        if !(try await passwords.verify(current, against: agent.passwordHash)) {
            problems.add("current_password", "is not your current password")
        }
        if let problem = PasswordHashing.problem(with: new) { problems.add("new_password", problem) }
        if new != confirmation { problems.add("password_confirmation", "does not match the new password") }
        try problems.throwIfAny()
        var change = AgentUpdate()
        change.password = new
        change.keeping = sessionID.map { .session($0) }
        try await agents.update(agentID: agentID, with: change, on: database)
    }

    /// Whether the agent still has an invitation they have not used (they never chose a password).
    func hasPendingInvitation(agentID: Int, on database: any Database) async throws -> Bool {
        try await AgentInvitation.query(on: database).filter(\.$agentID == agentID).filter(\.$purpose == .invitation)
            .filter(\.$usedAt == nil).filter(\.$expiresAt > clock.now()).count() > 0
    }
}
