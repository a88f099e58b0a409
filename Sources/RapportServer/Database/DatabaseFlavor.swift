import FluentKit
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
                return try await transaction { try await work($0) }
            case .sqlite:
                // Writers queue here, without holding a connection, instead of inside SQLite's busy
                // handler, which would block one of the few pool threads while it waits.
                return try await SQLiteWriteGate.shared.serialized { try await self.sqliteTransaction(work) }
            }
        }
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

/// Lets one SQLite write transaction run at a time in this process, first come first served.
/// Other processes on the same file (the CLI beside a running server) still meet SQLite's own
/// lock and its busy timeout.
actor SQLiteWriteGate {
    static let shared = SQLiteWriteGate()

    private var isHeld = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func serialized<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await work()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        guard isHeld else {
            isHeld = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            isHeld = false
        } else {
            waiting.removeFirst().resume()
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
