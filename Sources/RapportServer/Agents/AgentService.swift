import FluentKit
import Foundation
import RapportCore
import RapportMail

struct NewAgent: Sendable {
    var name: String
    var email: String
    var role: AgentRole = .agent
    var ticketScope: TicketScope = .all
    var password: String
    var signature: String = ""
}

struct AgentUpdate: Sendable {
    var name: String?
    var email: String?
    var role: AgentRole?
    var ticketScope: TicketScope?
    var signature: String?
    var isActive: Bool?
    var password: String?
    /// The credential the agent making the change is using, kept when they change their own
    /// password; every other session and token of the agent ends.
    var keeping: SignedInCredential?
}

/// Creating agents, changing them and checking their passwords.
struct AgentService: Sendable {
    let clock: any WallClock
    let passwords: PasswordHashing
    let configuration: ConfigurationCache

    func create(_ input: NewAgent, on database: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 200)
        let email = Self.validEmail(input.email, into: &problems)
        if let problem = PasswordHashing.problem(with: input.password) { problems.add("password", problem) }
        if input.signature.count > 2_000 { problems.add("signature", "must be at most 2000 characters") }
        try problems.throwIfAny()
        guard let email else { throw RapportError.invalid(problems.fields) }
        try await Self.ensureEmailUnused(email, except: nil, on: database)

        let agent = Agent()
        agent.name = name
        agent.email = email.normalized
        agent.role = input.role
        agent.signature = input.signature
        agent.passwordHash = try await passwords.hash(input.password)
        agent.isActive = true
        agent.ticketScope = input.ticketScope
        agent.createdAt = clock.now()
        agent.updatedAt = agent.createdAt
        try await agent.create(on: database)
        try await configuration.changed(on: database)
        return try agent.requireID
    }

    func update(agentID: Int, with changes: AgentUpdate, on database: any Database) async throws {
        var problems = FieldErrors()
        let name = changes.name.map { problems.requiredText($0, field: "name", maximumLength: 200) }
        let email = changes.email.flatMap { Self.validEmail($0, into: &problems) }
        if let password = changes.password, let problem = PasswordHashing.problem(with: password) {
            problems.add("password", problem)
        }
        if let signature = changes.signature, signature.count > 2_000 {
            problems.add("signature", "must be at most 2000 characters")
        }
        try problems.throwIfAny()
        guard let agent = try await Agent.find(agentID, on: database) else {
            throw RapportError.notFound("Agent \(agentID)")
        }
        if let email { try await Self.ensureEmailUnused(email, except: agentID, on: database) }
        let losesAdmin = (changes.role == .agent || changes.isActive == false) && agent.role == .admin && agent.isActive
        if losesAdmin,
            try await Agent.query(on: database).filter(\.$role == .admin).filter(\.$isActive == true).count() <= 1
        {
            throw RapportError.conflict("This is the last active admin; make another agent an admin first.")
        }
        if let name { agent.name = name }
        if let email { agent.email = email.normalized }
        if let role = changes.role { agent.role = role }
        if let scope = changes.ticketScope { agent.ticketScope = scope }
        if let signature = changes.signature { agent.signature = signature }
        // Deactivation ends every credential, so reactivating an agent does not revive old tokens.
        let endsCredentials = changes.password != nil || changes.isActive.map { $0 != agent.isActive } ?? false
        if let isActive = changes.isActive { agent.isActive = isActive }
        if let password = changes.password { agent.passwordHash = try await passwords.hash(password) }
        agent.updatedAt = clock.now()
        try await database.write { tx in
            try await agent.update(on: tx.db)
            if endsCredentials {
                try await AgentCredentials.endAll(ofAgent: agentID, keeping: changes.keeping, on: tx.db)
            }
        }
        try await configuration.changed(on: database)
    }

    /// The active agent with this email and password, or `nil`. Takes as long for an unknown
    /// address as for a wrong password, so it does not reveal which addresses exist.
    func verifyLogin(email raw: String, password: String, on database: any Database) async throws -> Agent? {
        let normalized = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let agent = try await Agent.query(on: database).filter(\.$email == normalized).first() else {
            _ = try await passwords.hash(password)  // the same bcrypt work as a real check
            return nil
        }
        guard try await passwords.verify(password, against: agent.passwordHash), agent.isActive else { return nil }
        return agent
    }

    private static func validEmail(_ raw: String, into problems: inout FieldErrors) -> EmailAddress? {
        do { return try EmailAddress(raw) } catch {
            problems.add("email", "'\(raw.prefix(80))' \(error.description)")
            return nil
        }
    }

    private static func ensureEmailUnused(_ email: EmailAddress, except agentID: Int?, on database: any Database)
        async throws
    {
        if let other = try await Agent.query(on: database).filter(\.$email == email.normalized).first(),
            other.id != agentID
        {
            throw RapportError.conflict(
                "Another agent already signs in as \(email.normalized).",
                fields: ["email": "is already used by agent \(other.id ?? 0)"])
        }
    }
}
