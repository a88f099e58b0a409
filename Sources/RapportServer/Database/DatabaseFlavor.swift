import AsyncKit
import FluentKit
import NIOCore
import NIOHTTP1
import SQLKit

/// The two SQL engines Rapport runs on. Chosen once from the configuration; code that needs
/// engine-specific SQL (full-text search, write locking) asks the database it was handed.
public enum DatabaseFlavor: Sendable {
    case sqlite, postgres

    public init(_ database: any SQLDatabase) {
        self = database.dialect.name == "sqlite" ? .sqlite : .postgres
    }
}

extension Database {
    /// This database as SQLKit sees it. Both supported drivers are SQL drivers.
    var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            fatalError("Rapport needs an SQL database; the configured driver does not speak SQL.")
        }
        return sql
    }

    var flavor: DatabaseFlavor { DatabaseFlavor(sql) }

    /// Runs `work` in a transaction that takes the write lock up front, and hands it the
    /// transaction as a value: a function that takes a `WriteTransaction` runs inside its
    /// caller's, and only this one opens one. Never nest these.
    ///
    /// On SQLite a plain `BEGIN` takes the write lock only at the first write, and a concurrent
    /// writer then makes the transaction fail instead of wait; `BEGIN IMMEDIATE` waits its turn.
    ///
    /// The live events the work published are written as the transaction's last statement, and
    /// every event hub in the process is woken once it has committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (WriteTransaction) async throws -> T) async throws -> T {
        let events = LiveEventBuffer()
        let (result, published) = try await writeTransaction { db in
            let value = try await work(WriteTransaction(db: db, events: events))
            return (value, try await EventLog.flush(events.take(), on: db))
        }
        if published { LiveSignal.shared.committed() }
        return result
    }

    private func writeTransaction<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        // A nested one would wait for the write lock its caller holds, for ever (on SQLite) or
        // open a second, independent transaction (on PostgreSQL): both are bugs, so say so.
        guard !WriteTransactionScope.isActive else {
            throw RapportError(
                .internalServerError, code: "nested_write_transaction",
                reason:
                    "A write transaction was started inside another; use the service method that takes the caller's transaction."
            )
        }
        return try await WriteTransactionScope.$isActive.withValue(true) {
            switch flavor {
            case .postgres:
                // Writers to one ticket wait on its row lock, each holding a pooled connection; past
                // this many they queue here instead, so a burst of them cannot take every
                // connection and time out the readers (and each other) waiting for one.
                return try await writeGate.admitted(on: eventLoop) { try await self.transaction { try await work($0) } }
            case .sqlite:
                // Writers queue here, without holding a connection, instead of inside SQLite's busy
                // handler, which would block one of the few pool threads while it waits.
                return try await writeGate.admitted(on: eventLoop) { try await self.sqliteTransaction(work) }
            }
        }
    }

    /// The gate of the database this one belongs to (`DatabaseSetup` gives each its own), so
    /// that two applications in one process, each on its own database, do not queue behind each
    /// other; one set up some other way shares a process-wide gate.
    private var writeGate: WriteGate {
        if let carrier = context.configuration.middleware.lazy.compactMap({ $0 as? WriteGate.Carrier }).first {
            return carrier.gate
        }
        return flavor == .sqlite ? WriteGate.sqliteShared : WriteGate.postgresShared
    }

    private func sqliteTransaction<T: Sendable>(_ work: @escaping @Sendable (any Database) async throws -> T)
        async throws -> T
    {
        try await withConnection { connection in
            try await connection.sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await work(connection)
                try await connection.sql.raw("COMMIT").run()
                return result
            } catch {
                try? await connection.sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

/// Admits a bounded number of write transactions on one database at a time, first come first
/// served; the rest wait here without holding a database connection.
///
/// SQLite takes one writer at a time: other processes on the same file (the CLI beside a
/// running server) still meet SQLite's own lock and its busy timeout. On PostgreSQL each event
/// loop has its own pool (`DatabaseSetup.postgresConnectionsPerEventLoop`), and writers on a
/// loop take at most half of it, which leaves the other half to that loop's reads.
actor WriteGate {
    enum Scope: Sendable {
        /// One queue for the whole database.
        case database(permits: Int)
        /// One queue per event loop, as the connection pools are.
        case eachEventLoop(permits: Int)
    }

    static let sqlite = Scope.database(permits: 1)
    static let postgres = Scope.eachEventLoop(permits: max(1, DatabaseSetup.postgresConnectionsPerEventLoop / 2))
    static let sqliteShared = WriteGate(sqlite)
    static let postgresShared = WriteGate(postgres)

    /// Carries a database's gate in its configuration, where `Database.write` finds it. As a
    /// model middleware it only passes every model event on.
    struct Carrier: AnyModelMiddleware {
        let gate: WriteGate

        func handle(
            _ event: ModelEvent, _ model: any AnyModel, on db: any Database, chainingTo next: any AnyModelResponder
        ) -> EventLoopFuture<Void> {
            next.handle(event, model, on: db)
        }
    }

    /// Past this a writer is refused as busy (503, try again) rather than left waiting for ever.
    /// It is generous: this is where a burst of writes queues by design (48 answers to one ticket
    /// at once took over 30 s to get through on a machine busy with the whole test suite).
    static let defaultMaximumWait: Duration = .seconds(120)

    private struct Waiter {
        let number: UInt64
        let continuation: CheckedContinuation<Void, any Error>
        /// Gives up on the waiter at `maximumWait`; cancelled once it is let in.
        let deadline: Task<Void, Never>
    }

    private struct Lane {
        var available: Int
        var waiting: [Waiter] = []
    }

    private let scope: Scope
    private var lanes: [ObjectIdentifier: Lane] = [:]
    private var waitersSoFar: UInt64 = 0

    private let maximumWait: Duration

    init(_ scope: Scope, maximumWait: Duration = defaultMaximumWait) {
        self.scope = scope
        self.maximumWait = maximumWait
    }

    func admitted<T: Sendable>(on eventLoop: any EventLoop, _ work: @Sendable () async throws -> T) async throws -> T {
        let lane = laneKey(eventLoop)
        try await acquire(lane)
        do {
            let result = try await work()
            release(lane)
            return result
        } catch {
            release(lane)
            throw error
        }
    }

    private func laneKey(_ eventLoop: any EventLoop) -> ObjectIdentifier {
        switch scope {
        case .database: ObjectIdentifier(WriteGate.self)
        case .eachEventLoop: ObjectIdentifier(eventLoop)
        }
    }

    private func acquire(_ key: ObjectIdentifier) async throws {
        var lane = lanes[key] ?? Lane(available: permits)
        if lane.available > 0 {
            lane.available -= 1
            lanes[key] = lane
            return
        }
        waitersSoFar += 1
        let number = waitersSoFar
        try await withCheckedThrowingContinuation { continuation in
            let deadline = Task { [weak self, maximumWait] in
                guard (try? await Task.sleep(for: maximumWait)) != nil else { return }
                await self?.giveUp(number, in: key)
            }
            lane.waiting.append(Waiter(number: number, continuation: continuation, deadline: deadline))
            lanes[key] = lane
        }
    }

    private func giveUp(_ number: UInt64, in key: ObjectIdentifier) {
        guard var lane = lanes[key], let index = lane.waiting.firstIndex(where: { $0.number == number }) else { return }
        let waiter = lane.waiting.remove(at: index)
        lanes[key] = lane
        waiter.continuation.resume(throwing: ConnectionPoolTimeoutError.connectionRequestTimeout)
    }

    private func release(_ key: ObjectIdentifier) {
        guard var lane = lanes[key] else { return }
        if lane.waiting.isEmpty {
            lane.available += 1
        } else {
            // The permit passes straight to the next in line.
            let next = lane.waiting.removeFirst()
            next.deadline.cancel()
            next.continuation.resume()
        }
        lanes[key] = lane
    }

    private var permits: Int {
        switch scope {
        case .database(let permits), .eachEventLoop(let permits): permits
        }
    }
}

/// Whether the current task is inside `writeTransaction`.
enum WriteTransactionScope {
    @TaskLocal static var isActive = false
}

/// The database inside a write transaction, as a value. Taking one says a function runs inside
/// its caller's transaction (and takes part in its commit or rollback); only `Database.write`
/// makes one.
struct WriteTransaction: Sendable {
    /// The transaction's connection, for queries and for model saves.
    let db: any Database
    private let events: LiveEventBuffer

    fileprivate init(db: any Database, events: LiveEventBuffer) {
        self.db = db
        self.events = events
    }

    /// Appends an event to the log when (and only if) this transaction commits.
    func publish(_ event: LiveEventDraft) {
        events.append(event)
    }

    var sql: any SQLDatabase { db.sql }
    var flavor: DatabaseFlavor { db.flavor }
}
