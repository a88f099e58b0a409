import Fluent
import Foundation
import Logging
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// What the write pipeline and the configuration cache promise beyond single features: pages
/// whose cost does not grow with the conversation, and admin changes that every instance sees.
@Suite("Write path and configuration cache")
struct WritePathTests {
    @Test(
        "the ticket page runs the same few queries for a two-message conversation as for a forty-message one; so does the inbox at 3 and 60 tickets",
        arguments: TestDatabase.allCases)
    func fixedQueryCounts(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let short = try await context.ticket(token: agent.token)
            try await context.api(
                .POST, "tickets/\(short)/messages", token: agent.token, json: ["kind": "reply", "body": "On it."])
            let long = try await context.ticket(
                token: agent.token, subject: "A long story", email: "lin.long@example.com", name: "Lin Long")
            for round in 0..<13 {
                try await context.api(
                    .POST, "tickets/\(long)/messages", token: agent.token,
                    json: ["kind": "reply", "body": "Reply \(round), with what I can do."])
                try await context.api(
                    .POST, "tickets/\(long)/messages", token: agent.token,
                    json: ["kind": "note", "body": "Note \(round)."])
                try await context.api(
                    .POST, "tickets/\(long)/messages", token: agent.token,
                    json: ["kind": "reply", "author": "customer", "body": "Answer \(round)."])
                try await context.api(
                    .PATCH, "tickets/\(long)", token: agent.token, json: ["add_tags": ["round-\(round)"]])
            }
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == long).count() >= 40)
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")

            let counter = QueryCounter(app)
            let shortPage = try await counter.count { try await web.get("/tickets/\(short)") }
            let longPage = try await counter.count { try await web.get("/tickets/\(long)") }
            #expect(shortPage.queries >= 5, "the counter sees the page's queries (\(shortPage.queries))")
            #expect(shortPage.queries == longPage.queries, "a longer conversation must not cost more queries")
            #expect(longPage.queries <= 20, "the ticket page ran \(longPage.queries) queries")
            #expect(longPage.page.body.contains("Answer 12."))

            let smallInbox = try await counter.count { try await web.get("/inbox?view=open") }
            for index in 0..<57 {
                _ = try await context.ticket(
                    token: agent.token, subject: "Question \(index)", email: "asker\(index)@example.com")
            }
            let fullInbox = try await counter.count { try await web.get("/inbox?view=open") }
            #expect(fullInbox.page.body.contains("Question 56"))
            #expect(smallInbox.queries >= 3, "the counter sees the inbox's queries (\(smallInbox.queries))")
            // The view counts are recounted after tickets changed: one query more, never one per row.
            #expect(
                fullInbox.queries <= smallInbox.queries + 1,
                "inbox: \(smallInbox.queries) then \(fullInbox.queries) queries")
            #expect(fullInbox.queries <= 8, "the inbox ran \(fullInbox.queries) queries")
        }
    }

    @Test("an admin change on one instance is seen by another sharing the database within a second")
    func cacheAcrossInstances() async throws {
        try await withApp(.postgres) { app, context in
            let admin = try await context.admin()
            let created = try await context.api(.POST, "teams", token: admin.token, json: ["name": "Billing"])
            let teamID = try #require(created.object["id"] as? Int)
            let number = try await context.ticket(token: admin.token)

            let other = try await Application.make(.testing)
            other.logger.logLevel = .warning
            do {
                try await configure(other, settings: app.rapport.settings)
                // The other instance has read the directory once and holds it.
                #expect(
                    try await other.rapport.configuration.current(on: other.db).directory.teamName(teamID) == "Billing")

                let renamed = try await context.api(
                    .PATCH, "teams/\(teamID)", token: admin.token, json: ["name": "Billing and refunds"])
                #expect(renamed.status == .ok)
                // Its copy is looked at again once `recheckInterval` (a second) has passed; how soon
                // after that depends on how busy the machine is, so the wait here is generous.
                #expect(ConfigurationCache.recheckInterval == .seconds(1))
                try await eventually("the other instance to see the new team name", within: 30) {
                    try await other.rapport.configuration.current(on: other.db).directory.teamName(teamID)
                        == "Billing and refunds"
                }

                // A write on the other instance uses it: the rule-free desk routes by the new name.
                let assigned = try await other.testing().sendRequest(
                    .PATCH, "/api/v1/tickets/\(number)",
                    headers: ["Authorization": "Bearer \(admin.token)", "Content-Type": "application/json"],
                    body: ByteBuffer(string: #"{"team_id": \#(teamID)}"#))
                #expect(assigned.status == .ok)
                #expect(assigned.body.string.contains("Billing and refunds"))
                try await other.asyncShutdown()
            } catch {
                try? await other.asyncShutdown()
                throw error
            }
        }
    }
}

/// Counts the SQL statements a request runs, from the drivers' query log (in-memory test
/// requests log through the application's logger).
final class QueryCounter: @unchecked Sendable {
    private let app: Application
    private let lock = NSLock()
    private var statements = 0

    init(_ app: Application) {
        self.app = app
    }

    func count<T>(_ work: () async throws -> T) async throws -> (page: T, queries: Int) {
        let previous = app.logger
        lock.withLock { statements = 0 }
        app.logger = Logger(label: "rapport.test.queries") { _ in CountingHandler(counter: self) }
        app.logger.logLevel = .debug
        defer { app.logger = previous }
        let result = try await work()
        return (result, lock.withLock { statements })
    }

    fileprivate func noteStatement() {
        lock.withLock { statements += 1 }
    }

    private struct CountingHandler: LogHandler {
        let counter: QueryCounter
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            guard event.message.description == "Executing query" else { return }
            // The configuration cache looks at its stamp at most once a second, not per request:
            // whether a request happens to be the one that does is timing, not cost.
            if case .string(let sql)? = event.metadata?["sql"], sql.contains("FROM configuration_versions") { return }
            counter.noteStatement()
        }
    }
}
