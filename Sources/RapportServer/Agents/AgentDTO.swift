import Fluent
import Foundation
import RapportCore
import Vapor

/// An agent as the API and other features show them: who they are and their teams.
struct AgentDTO: Content {
    let id: Int
    let name: String
    let email: String
    let role: AgentRole
    /// Which tickets they work on (admins see all whatever it says).
    let ticketAccess: TicketScope
    let signature: String
    let isActive: Bool
    let teams: [NamedReferenceDTO]
    let createdAt: Date

    static func load(ids: [Int]? = nil, on db: any Database) async throws -> [AgentDTO] {
        var query = Agent.query(on: db).sort(\.$name).sort(\.$id)
        if let ids { query = query.filter(\.$id ~~ ids) }
        let agents = try await query.all()
        let agentIDs = agents.compactMap(\.id)
        let memberships =
            agentIDs.isEmpty ? [] : try await TeamMembership.query(on: db).filter(\.$agentID ~~ agentIDs).all()
        let teamIDs = Set(memberships.map(\.teamID))
        let teams = teamIDs.isEmpty ? [] : try await Team.query(on: db).filter(\.$id ~~ teamIDs).sort(\.$name).all()
        let teamsByAgent = Dictionary(grouping: memberships, by: \.agentID).mapValues { Set($0.map(\.teamID)) }
        return agents.compactMap { agent in
            guard let id = agent.id else { return nil }
            let mine = teams.filter { teamsByAgent[id]?.contains($0.id ?? 0) ?? false }.compactMap { t in
                t.id.map { NamedReferenceDTO(id: $0, name: t.name) }
            }
            return AgentDTO(
                id: id, name: agent.name, email: agent.email, role: agent.role, ticketAccess: agent.ticketScope,
                signature: agent.signature,
                isActive: agent.isActive, teams: mine, createdAt: agent.createdAt)
        }
    }
}
