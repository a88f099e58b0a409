import Foundation
import Testing
import Vapor

@testable import RapportServer

@Suite("Customers, organizations, agents and teams API")
struct CustomerAndTeamAPITests {
    @Test("customers are created, found, read with their tickets and updated", arguments: TestDatabase.allCases)
    func customers(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, adminToken) = try await ctx.admin()
            let organization = try await ctx.api(
                .POST, "organizations", token: adminToken, json: ["name": "Harbor Dental", "domain": "harbor.example"])
            #expect(organization.status == .created)
            let organizationID = try #require(organization.object["id"] as? Int)

            let created = try await ctx.api(
                .POST, "customers", token: adminToken,
                json: [
                    "name": "Grace O'Neill", "emails": ["grace@harbor.example", "g.oneill@mail.example"],
                    "phone": "+44 20 7946 0000",
                    "locale": "en-GB", "time_zone": "Europe/London", "notes": "Prefers email.",
                    "organization_id": organizationID,
                ])
            #expect(created.status == .created)
            let customer = try #require(created["customer"])
            let id = try #require(customer["id"] as? Int)
            #expect(customer["emails"] as? [String] == ["grace@harbor.example", "g.oneill@mail.example"])
            #expect((customer["organization"] as? [String: Any])?["name"] as? String == "Harbor Dental")

            let duplicate = try await ctx.api(
                .POST, "customers", token: adminToken, json: ["name": "Someone", "emails": ["GRACE@harbor.example"]])
            #expect(duplicate.status == .conflict)

            let bad = try await ctx.api(
                .POST, "customers", token: adminToken,
                json: ["name": "", "emails": ["not-an-address"], "time_zone": "Mars/Olympus"])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.fields.keys) == ["name", "emails[0]", "time_zone"])

            _ = try await ctx.ticket(token: adminToken, subject: "Invoice needed", email: "g.oneill@mail.example")
            let read = try await ctx.api(.GET, "customers/\(id)", token: adminToken)
            #expect(
                (read.object["tickets"] as? [[String: Any]])?.map { $0["subject"] as? String } == ["Invoice needed"])

            for query in ["grace", "O'N", "mail.example", "oneill"] {
                let found = try await ctx.api(
                    .GET, "customers?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                    token: adminToken)
                #expect(
                    (found.object["customers"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [id],
                    "q=\(query)")
            }
            let none = try await ctx.api(.GET, "customers?q=%25", token: adminToken)
            #expect((none.object["customers"] as? [[String: Any]])?.isEmpty == true, "a % is a literal, not a wildcard")
            let byOrganization = try await ctx.api(.GET, "customers?organization=\(organizationID)", token: adminToken)
            #expect((byOrganization.object["customers"] as? [[String: Any]])?.count == 1)

            let updated = try await ctx.api(
                .PATCH, "customers/\(id)", token: adminToken,
                json: ["name": "Grace Okafor", "phone": NSNull(), "organization_id": NSNull()])
            #expect(updated.status == .ok)
            #expect(updated["customer"]?["name"] as? String == "Grace Okafor")
            #expect(updated["customer"]?["phone"] == nil)
            #expect(updated["customer"]?["organization"] == nil)
            #expect(updated["customer"]?["locale"] as? String == "en-GB")
            let search = try await ctx.api(.GET, "search?q=okafor", token: adminToken)
            #expect(
                (search.object["results"] as? [[String: Any]])?.count == 1,
                "a renamed customer's tickets are found by the new name")

            #expect(try await ctx.api(.GET, "customers/999999", token: adminToken).status == .notFound)
            #expect(try await ctx.api(.GET, "organizations/\(organizationID)", token: adminToken).status == .ok)
            let organizations = try await ctx.api(.GET, "organizations", token: adminToken)
            #expect(organizations.array.compactMap { $0["name"] as? String } == ["Harbor Dental"])
            #expect(
                try await ctx.api(.POST, "organizations", token: adminToken, json: ["name": "Harbor Dental"]).status
                    == .conflict)
            #expect(
                try await ctx.api(
                    .POST, "organizations", token: adminToken, json: ["name": "Bad Domain", "domain": "not a domain"]
                ).fields["domain"] != nil)
            #expect(
                try await ctx.api(
                    .PATCH, "organizations/\(organizationID)", token: adminToken, json: ["domain": NSNull()]
                ).object["domain"] == nil)
        }
    }

    @Test("customer lists page by cursor without gaps or repeats", arguments: TestDatabase.allCases)
    func customerPaging(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            for index in 0..<5 {
                ctx.clock.advance(by: 1)
                #expect(
                    try await ctx.api(
                        .POST, "customers", token: token,
                        json: ["name": "Customer \(index)", "emails": ["c\(index)@example.com"]]
                    ).status == .created)
            }
            var names: [String] = []
            var cursor: String?
            repeat {
                let page = try await ctx.api(
                    .GET, "customers?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                names += (page.object["customers"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                cursor = page.object["next_cursor"] as? String
            } while cursor != nil
            #expect(names == (0..<5).reversed().map { "Customer \($0)" })
        }
    }

    @Test("admins manage agents and teams; the last admin cannot be demoted", arguments: TestDatabase.allCases)
    func agentsAndTeams(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (adminID, adminToken) = try await ctx.admin()
            let created = try await ctx.api(
                .POST, "agents", token: adminToken,
                json: ["name": "Jun Park", "email": "Jun@Desk.example", "password": "a long enough secret"])
            #expect(created.status == .created)
            let agentID = try #require(created.object["id"] as? Int)
            #expect(created.object["email"] as? String == "jun@desk.example")
            #expect(created.object["role"] as? String == "agent")
            #expect(created.object["password_hash"] == nil)

            #expect(
                try await ctx.api(
                    .POST, "agents", token: adminToken,
                    json: ["name": "Again", "email": "jun@desk.example", "password": "a long enough secret"]
                ).status == .conflict)
            let weak = try await ctx.api(
                .POST, "agents", token: adminToken,
                json: ["name": "Weak", "email": "weak@desk.example", "password": "short"])
            #expect(weak.fields["password"] == "must be at least 10 characters")

            let team = try await ctx.api(
                .POST, "teams", token: adminToken,
                json: ["name": "Technical Support", "description": "Devices and apps"])
            let teamID = try #require(team.object["id"] as? Int)
            #expect(
                try await ctx.api(.POST, "teams", token: adminToken, json: ["name": "Technical Support"]).status
                    == .conflict)
            let joined = try await ctx.api(.PUT, "teams/\(teamID)/members/\(agentID)", token: adminToken)
            #expect((joined.object["members"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [agentID])
            let agent = try await ctx.api(.GET, "agents/\(agentID)", token: adminToken)
            #expect(
                (agent.object["teams"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                    "Technical Support"
                ])
            let left = try await ctx.api(.DELETE, "teams/\(teamID)/members/\(agentID)", token: adminToken)
            #expect((left.object["members"] as? [[String: Any]])?.isEmpty == true)
            #expect(
                try await ctx.api(.PATCH, "teams/\(teamID)", token: adminToken, json: ["name": "Tech"]).object["name"]
                    as? String == "Tech")
            let read = try await ctx.api(.GET, "teams/\(teamID)", token: adminToken)
            #expect(read.object["description"] as? String == "Devices and apps")
            #expect(try await ctx.api(.GET, "teams/424242", token: adminToken).status == .notFound)

            let demote = try await ctx.api(.PATCH, "agents/\(adminID)", token: adminToken, json: ["role": "agent"])
            #expect(demote.status == .conflict)
            #expect(
                try await ctx.api(.PATCH, "agents/\(agentID)", token: adminToken, json: ["role": "admin"]).status == .ok
            )
            #expect(
                try await ctx.api(.PATCH, "agents/\(adminID)", token: adminToken, json: ["role": "agent"]).status == .ok
            )

            let list = try await ctx.api(.GET, "agents", token: adminToken)
            #expect(list.array.count == 2)
            #expect(try await ctx.api(.GET, "teams", token: adminToken).array.count == 1)
        }
    }
}
