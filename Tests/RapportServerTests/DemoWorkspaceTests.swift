import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

@Suite("Demo workspace")
struct DemoWorkspaceTests {
    @Test(
        "the demo workspace has every status, conversations, a working login and search",
        arguments: TestDatabase.allCases)
    func seeds(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            #expect(try await DemoWorkspace.isSeeded(app) == false)
            let summary = try await DemoWorkspace(customerCount: 30, ticketCount: 120).seed(app)
            #expect(summary.tickets == 120)
            #expect(summary.messages > 240)
            #expect(try await DemoWorkspace.isSeeded(app))

            let login = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: ["email": DemoWorkspace.adminEmail, "password": DemoWorkspace.adminPassword])
            #expect(login.status == .created)
            let token = try #require(login.object["token"] as? String)
            for status in TicketStatus.allCases {
                let page = try await ctx.api(.GET, "tickets?status=\(status.rawValue)&limit=1", token: token)
                #expect((page.object["tickets"] as? [Any])?.count == 1, "some ticket is \(status)")
            }
            let search = try await ctx.api(.GET, "search?q=thermostat", token: token)
            #expect(!((search.object["results"] as? [Any]) ?? []).isEmpty)
            let teams = try await ctx.api(.GET, "teams", token: token)
            #expect(teams.array.count == DemoPeople.teams.count)
            // Customer messages carry their mood, so the workspace shows badges from the start.
            let customerMessages = try await Message.query(on: app.db).filter(\.$authorKind == .customer).all()
            #expect(customerMessages.allSatisfy { $0.moodSentiment != nil })
            #expect(customerMessages.contains { $0.moodUpset == true })
            #expect(
                try await Message.query(on: app.db).filter(\.$authorKind == .agent).all().allSatisfy {
                    $0.moodSentiment == nil
                })
            // Office hours, a policy and rules are set up, and recent open tickets have SLA clocks.
            #expect(try await SLAPolicy.query(on: app.db).count() == 1)
            #expect(try await AutomationRule.query(on: app.db).count() == 2)
            let recent = try await Ticket.query(on: app.db).filter(\.$status ~~ [.new, .open])
                .filter(\.$createdAt >= ctx.clock.now().addingTimeInterval(-3 * 86_400)).all()
            #expect(recent.allSatisfy { $0.slaDueAt != nil }, "every recent open ticket has a deadline")
            #expect(try await Ticket.query(on: app.db).filter(\.$statusChangedAt == nil).count() == 0)
        }
    }
}
