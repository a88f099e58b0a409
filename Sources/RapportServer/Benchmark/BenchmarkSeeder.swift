import Fluent
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import PostgresNIO
import RapportCore
import SQLKit
import Vapor

/// Fills an empty database with a `SyntheticDesk` as fast as the engine takes rows: the
/// tickets are generated in parallel chunks while the previous chunk is written, with
/// multi-row inserts on SQLite and `COPY` on PostgreSQL. It bypasses the ticket service (no
/// acknowledgements, jobs or SLA clocks), so it is only for benchmark databases.
public struct BenchmarkSeeder: Sendable {
    public struct Summary: Sendable {
        public let tickets: Int
        public let messages: Int
        public let customers: Int
        public let agents: Int
        public let seconds: Double
    }

    let desk: SyntheticDesk
    let passwordHashCost: Int
    static let chunkSize = 2_000

    public init(tickets: Int, now: Date, passwordHashCost: Int) {
        desk = SyntheticDesk(tickets: tickets, now: now)
        self.passwordHashCost = passwordHashCost
    }

    /// Seeds the application's database, which must hold no tickets yet. `progress` hears a
    /// line now and then.
    public func seed(_ app: Application, progress: @escaping @Sendable (String) -> Void) async throws -> Summary {
        let started = ContinuousClock.now
        guard try await Ticket.query(on: app.db).count() == 0 else {
            throw RapportMessageError(
                "The database already holds tickets. Seed into a fresh --data-dir, or an empty PostgreSQL database in DATABASE_URL."
            )
        }
        let passwordHash = try await PasswordHashing(cost: passwordHashCost).hash(SyntheticDesk.agentPassword)
        let writer: any BenchmarkRowWriter =
            switch app.db.flavor {
            case .sqlite: SQLiteRowWriter(database: app.db)
            case .postgres:
                try await PostgresRowWriter.connect(
                    url: app.rapport.settings.databaseURL ?? "", eventLoop: app.eventLoopGroup.any(), logger: app.logger
                )
            }
        do {
            try await writer.begin()
            try await writer.writePeople(desk: desk, passwordHash: passwordHash)
            progress(
                "\(desk.customerCount) customers, \(SyntheticDesk.agentCount) agents and \(SyntheticDesk.teamNames.count) teams written"
            )

            var messages = 0
            let starts = Array(stride(from: 1, through: desk.ticketCount, by: Self.chunkSize))
            var queued: [Task<TicketChunk, Never>] = []
            let desk = desk
            func generate(_ index: Int) -> Task<TicketChunk, Never> {
                let first = starts[index]
                let last = min(first + Self.chunkSize - 1, desk.ticketCount)
                return Task.detached { TicketChunk(desk: desk, ids: first...last) }
            }
            // Two chunks are generated ahead of the one being written: generation is the
            // Swift side's work, writing mostly the database's.
            for index in 0..<min(2, starts.count) { queued.append(generate(index)) }
            var lastReport = ContinuousClock.now
            for index in starts.indices {
                let chunk = await queued.removeFirst().value
                if index + 2 < starts.count { queued.append(generate(index + 2)) }
                try await writer.write(chunk)
                messages += chunk.messageCount
                if ContinuousClock.now - lastReport > .seconds(10) {
                    lastReport = .now
                    progress(
                        "\(chunk.ids.upperBound) of \(desk.ticketCount) tickets written (\(Int((ContinuousClock.now - started).inSeconds)) s)"
                    )
                }
            }
            progress("Indexing and analysing …")
            try await writer.finish(desk: desk)
            try await writer.close()
            await app.rapport.configuration.forget()
            return Summary(
                tickets: desk.ticketCount, messages: messages, customers: desk.customerCount,
                agents: SyntheticDesk.agentCount, seconds: (ContinuousClock.now - started).inSeconds)
        } catch {
            try? await writer.close()
            throw error
        }
    }
}

/// One chunk of generated tickets, with what each writer needs beside them.
struct TicketChunk: Sendable {
    let ids: ClosedRange<Int>
    let tickets: [SyntheticDesk.Ticket]
    /// The search index's "people" field of each ticket: the requester's name and address.
    let requesterNames: [String]
    let requesterEmails: [String]
    let messageCount: Int

    init(desk: SyntheticDesk, ids: ClosedRange<Int>) {
        self.ids = ids
        tickets = ids.map(desk.ticket)
        let requesters = tickets.map { desk.customer($0.requesterID) }
        requesterNames = requesters.map(\.name)
        requesterEmails = requesters.map(\.email)
        messageCount = tickets.reduce(0) { $0 + $1.messages.count }
    }
}

protocol BenchmarkRowWriter: Sendable {
    func begin() async throws
    func writePeople(desk: SyntheticDesk, passwordHash: String) async throws
    func write(_ chunk: TicketChunk) async throws
    func finish(desk: SyntheticDesk) async throws
    func close() async throws
}
