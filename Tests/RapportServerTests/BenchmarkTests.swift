import Fluent
import Foundation
import RapportCore
import SQLKit
import Testing
import Vapor

@testable import RapportServer

/// The benchmark tools work and make a database the rest of Rapport works with. These check
/// behaviour only; the figures themselves are for `rapport bench` to print, never to assert.
private struct IndexRow: Decodable { let indexname: String }

@Suite("Benchmarks: seeding and a smoke run")
struct BenchmarkTests {
    @Test("a seeded desk reads, searches and grows through the API like any other", arguments: TestDatabase.allCases)
    func seededDeskWorks(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let seeder = BenchmarkSeeder(tickets: 400, now: context.clock.now(), passwordHashCost: 4)
            let summary = try await seeder.seed(app) { _ in }
            let desk = SyntheticDesk(tickets: 400, now: context.clock.now())
            #expect(summary.tickets == 400)
            if database == .postgres {
                // The indexes dropped for the bulk copy are all back.
                let indexes = try await app.db.sql.raw(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                ).all(decoding: IndexRow.self).map(\.indexname)
                for name in [
                    "idx_tickets_status_updated", "idx_messages_ticket", "uq_messages_email_message_id",
                    "idx_ticket_search_document", "uq_customer_emails_normalized",
                ] {
                    #expect(indexes.contains(name), "\(name) is missing after the seed")
                }
                #expect(
                    try await app.db.sql.raw(
                        "SELECT tablename FROM pg_tables WHERE tablename = 'bench_deferred_indexes'"
                    ).all().isEmpty)
            }
            #expect(try await Ticket.query(on: app.db).count() == 400)
            #expect(try await Message.query(on: app.db).count() == summary.messages)
            #expect(try await Customer.query(on: app.db).count() == desk.customerCount)

            let admin = try await context.admin()
            let first = try await context.api(.GET, "tickets/1", token: admin.token)
            #expect(first.status == .ok)
            #expect(first["ticket"]?["subject"] as? String == desk.ticket(1).subject)
            #expect((first.object["messages"] as? [Any])?.count == desk.ticket(1).messages.count)

            // The search word is in tickets 37, 137, 237 and 337 only.
            let search = try await context.api(.GET, "search?q=\(SyntheticDesk.onePercentWord)", token: admin.token)
            let numbers = ((search.object["results"] as? [[String: Any]]) ?? []).compactMap {
                ($0["ticket"] as? [String: Any])?["number"] as? Int
            }
            #expect(Set(numbers) == [37, 137, 237, 337])

            // Ids continue after the seeded rows, and a known address finds its customer.
            let customer = desk.customer(3)
            let created = try await context.api(
                .POST, "tickets", token: admin.token,
                json: [
                    "subject": "After the seed", "requester": ["email": customer.email],
                    "message": ["body": "Hello again"],
                ])
            #expect(created.status == .created)
            #expect(created["ticket"]?["number"] as? Int == 401)
            #expect(try await Customer.query(on: app.db).count() == desk.customerCount)

            // A young desk is mostly solved; its open tickets still fill the All open view.
            let open = try await Ticket.query(on: app.db).filter(\.$status ~~ [.new, .open]).count()
            #expect(open > 0)
            #expect(try await BenchmarkQueries.inboxPage(app, view: "open") == min(open, 50))
            #expect(
                try await PasswordHashing(cost: 4).verify(
                    SyntheticDesk.agentPassword, against: try #require(try await Agent.find(2, on: app.db)).passwordHash
                ))

            await #expect(throws: RapportMessageError.self) { _ = try await seeder.seed(app) { _ in } }
        }
    }

    @Test(
        "'rapport bench workload --smoke' seeds, serves and answers every operation", arguments: TestDatabase.allCases)
    func workloadSmoke(database: TestDatabase) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rapport-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ["RAPPORT_BCRYPT_COST": "4"]
        if database == .postgres { environment["DATABASE_URL"] = try await TestPostgres.shared.emptyDatabase() }

        let workload = try BackgroundProcess(
            try TestHarness.rapportExecutable,
            ["bench", "workload", "--smoke", "--tickets", "300", "--data-dir", directory.path], environment: environment
        )
        #expect(workload.wait() == 0, "\(workload.log)")
        let table = workload.log
        for operation in [
            "read ticket (API)", "ticket page (HTML)", "inbox: My open, 50", "inbox: All open by update, 50",
            "search \"warranty\" (API)",
            "create ticket (API)", "add reply (API)", "ingest raw email", "RSS under load",
            "cold start to first request",
        ] {
            #expect(table.contains("| \(operation)"), "no row for \(operation) in:\n\(table)")
        }
        #expect(table.contains(database == .postgres ? "PostgreSQL · 300 tickets" : "SQLite · 300 tickets"))
        #expect(!table.contains("failed"), "\(table)")

        let micro = try BackgroundProcess(
            try TestHarness.rapportExecutable, ["bench", "micro", "--iterations", "3", "--data-dir", directory.path],
            environment: environment)
        #expect(micro.wait() == 0, "\(micro.log)")
        for benchmark in [
            "MIME parse: text + HTML", "quote splitting", "reply analysis", "search query building",
            "inbox query: My open, 50",
        ] {
            #expect(micro.log.contains("| \(benchmark)"), "no row for \(benchmark) in:\n\(micro.log)")
        }
    }

    @Test("COPY rows escape what would break the format and write UTC timestamps")
    func copyFormat() {
        var rows = CopyTextRows()
        rows.add("tab\there\nnew \\ line")
        rows.add(nil as String?)
        rows.add(42)
        rows.add(true)
        rows.add(Date(timeIntervalSince1970: 1_790_000_000.25))
        rows.endRow()
        #expect(
            String(buffer: rows.buffer) == "tab\\there\\nnew \\\\ line\t\\N\t42\tt\t2026-09-21 14:13:20.250000+00\n")
        #expect(UTCTimestamp.text(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000000+00")
        #expect(UTCTimestamp.text(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29 00:00:00.000000+00")
        #expect(UTCTimestamp.text(Date(timeIntervalSince1970: -1)) == "1969-12-31 23:59:59.000000+00")
    }
}
