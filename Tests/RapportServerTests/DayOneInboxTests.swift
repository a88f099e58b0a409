import Fluent
import Foundation
import RapportCore
import SQLKit
import Testing
import Vapor

@testable import RapportServer

@Suite("Inbox views as a team reads them")
struct DayOneInboxTests {
    @Test(
        "'SLA due soonest' lists tickets with a clock by deadline, then every other ticket, paging through all",
        arguments: TestDatabase.allCases)
    func dueSoonestPagesThroughAll(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent()
            var numbers: [Int] = []
            for index in 0..<7 {
                numbers.append(
                    try await context.ticket(
                        token: agent.token, subject: "Ticket \(index)", email: "c\(index)@example.com"))
            }
            // Three have a counting clock, due in reverse order of creation.
            let now = context.clock.now()
            for (offset, number) in numbers.prefix(3).enumerated() {
                try await app.db.sql.raw(
                    "UPDATE tickets SET sla_due_at = \(bind: now.addingTimeInterval(Double(3 - offset) * 3600)) WHERE id = \(bind: number)"
                ).run()
            }
            var filters = TicketListFilters()
            filters.statuses = [.new, .open]
            var seen: [Int] = []
            var cursor: PageCursor?
            repeat {
                let page = try await TicketQueries.page(filters, sort: .dueSoonest, after: cursor, limit: 2, on: app.db)
                seen += page.tickets.map(\.number)
                cursor = page.next.flatMap { PageCursor(encoded: $0.encoded) }
            } while cursor != nil
            #expect(seen == [numbers[2], numbers[1], numbers[0]] + numbers.suffix(4), "\(seen) for \(numbers)")

            let web = WebClient(app: app)
            let email = try #require(try await Agent.find(agent.id, on: app.db)?.email)
            try await web.signIn(email: email)
            let inbox = try await web.get("/inbox?view=open&sort=due")
            for number in numbers {
                #expect(inbox.body.contains("/tickets/\(number)\""), "ticket \(number) is in the view")
            }
        }
    }
}
