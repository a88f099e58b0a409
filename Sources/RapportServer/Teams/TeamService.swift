import FluentKit
import Foundation
import RapportCore

/// Creating teams and managing who is in them.
struct TeamService: Sendable {
    let clock: any WallClock
    let configuration: ConfigurationCache

    func create(name raw: String, description: String, on database: any Database) async throws -> Int {
        let name = try Self.validName(raw)
        if description.count > 2_000 { throw RapportError.invalid(["description": "must be at most 2000 characters"]) }
        try await Self.ensureNameUnused(name, except: nil, on: database)
        let team = Team()
        team.name = name
        team.description = description
        team.createdAt = clock.now()
        team.updatedAt = team.createdAt
        try await team.create(on: database)
        try await configuration.changed(on: database)
        return try team.requireID
    }

    func update(teamID: Int, name raw: String?, description: String?, on database: any Database) async throws {
        guard let team = try await Team.find(teamID, on: database) else {
            throw RapportError.notFound("Team \(teamID)")
        }
        if let raw {
            let name = try Self.validName(raw)
            try await Self.ensureNameUnused(name, except: teamID, on: database)
            team.name = name
        }
        if let description {
            if description.count > 2_000 {
                throw RapportError.invalid(["description": "must be at most 2000 characters"])
            }
            team.description = description
        }
        team.updatedAt = clock.now()
        try await team.update(on: database)
        try await configuration.changed(on: database)
    }

    func addMember(agentID: Int, toTeam teamID: Int, on database: any Database) async throws {
        guard try await Team.find(teamID, on: database) != nil else { throw RapportError.notFound("Team \(teamID)") }
        guard try await Agent.find(agentID, on: database) != nil else {
            throw RapportError.notFound("Agent \(agentID)")
        }
        let existing = try await TeamMembership.query(on: database).filter(\.$teamID == teamID).filter(
            \.$agentID == agentID
        ).first()
        if existing == nil {
            try await TeamMembership(teamID: teamID, agentID: agentID, now: clock.now()).create(on: database)
            try await configuration.changed(on: database)
        }
    }

    func removeMember(agentID: Int, fromTeam teamID: Int, on database: any Database) async throws {
        guard try await Team.find(teamID, on: database) != nil else { throw RapportError.notFound("Team \(teamID)") }
        try await TeamMembership.query(on: database).filter(\.$teamID == teamID).filter(\.$agentID == agentID).delete()
        try await configuration.changed(on: database)
    }

    private static func validName(_ raw: String) throws -> String {
        var problems = FieldErrors()
        let name = problems.requiredText(raw, field: "name", maximumLength: 100)
        try problems.throwIfAny()
        return name
    }

    private static func ensureNameUnused(_ name: String, except teamID: Int?, on database: any Database) async throws {
        if let other = try await Team.query(on: database).filter(\.$name == name).first(), other.id != teamID {
            throw RapportError.conflict(
                "A team named '\(name)' already exists.", fields: ["name": "is already used by team \(other.id ?? 0)"])
        }
    }
}
