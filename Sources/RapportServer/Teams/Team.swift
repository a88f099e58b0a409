import FluentKit
import Foundation

final class Team: Model, @unchecked Sendable {
    static let schema = "teams"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "description") var description: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// Who is told when a ticket of the team is escalated.
    @OptionalField(key: "lead_agent_id") var leadAgentID: Int?

    init() {}
}

final class TeamMembership: Model, @unchecked Sendable {
    static let schema = "team_members"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "team_id") var teamID: Int
    @Field(key: "agent_id") var agentID: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(teamID: Int, agentID: Int, now: Date) {
        self.teamID = teamID
        self.agentID = agentID
        self.createdAt = now
    }
}

struct CreateTeams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Team.schema)
            .intID()
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex("uq_teams_name", on: Team.schema, columns: ["name"], unique: true)

        try await database.schema(TeamMembership.schema)
            .intID()
            .field("team_id", .int, .required)
            .field("agent_id", .int, .required)
            .field("created_at", .datetime, .required)
            .foreignKey("team_id", references: Team.schema, "id", onDelete: .cascade, name: "fk_team_members_team")
            .foreignKey("agent_id", references: Agent.schema, "id", onDelete: .cascade, name: "fk_team_members_agent")
            .create()
        try await database.createIndex(
            "uq_team_members_team_agent", on: TeamMembership.schema, columns: ["team_id", "agent_id"], unique: true)
        try await database.createIndex("idx_team_members_agent", on: TeamMembership.schema, columns: ["agent_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TeamMembership.schema).delete()
        try await database.schema(Team.schema).delete()
    }
}

extension TeamMembership {
    /// An agent's teams as stored (pages read them from the cached `StaffDirectory`).
    static func teamIDs(ofAgent agentID: Int, on database: any Database) async throws -> [Int] {
        try await TeamMembership.query(on: database).filter(\.$agentID == agentID).all().map(\.teamID)
    }
}
