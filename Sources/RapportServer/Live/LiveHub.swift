import FluentKit
import FluentPostgresDriver
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Tails the event log for this instance and hands new events to the connected screens.
///
/// The log in the database is the only source of truth; the hub keeps the newest few thousand
/// events in memory so that hundreds of connections do not each query it, and a connection
/// that is further behind reads the log itself. The hub looks at the log when a transaction in
/// this process committed events, when another instance says so (PostgreSQL `NOTIFY`, only ever
/// a hint), and at least every `pollInterval`, which covers a missed hint.
actor LiveHub {
    static let pollInterval: Duration = .milliseconds(250)
    /// How many recent events are held in memory.
    static let capacity = 5_000
    static let notifyChannel = "rapport_events"
    /// The least time between two notifications this instance sends (they are coalesced).
    static let notifyInterval: Duration = .milliseconds(50)

    private let provider: @Sendable () -> (any Database)?
    private let isStopped = NIOLockedValueBox(false)
    private let presence: PresenceService
    private let configuration: ConfigurationCache
    private let logger: Logger
    private let postgresConfiguration: PostgresConnection.Configuration?
    private let eventLoop: any EventLoop

    /// Events with ids in (floor, latest], in order, all of them.
    private var recent: [LiveEvent] = []
    private var floor = 0
    private(set) var latest = 0
    private var starting: Task<Void, any Error>?
    private var started = false
    /// The presence rows of the tabs connected to this instance, refreshed together.
    private var tabs: [String: Int] = [:]
    private var subscribers: [UUID: WakeSignal] = [:]
    private var tasks: [Task<Void, Never>] = []
    private let wake = WakeSignal()
    private let notifyWake = WakeSignal()
    private var lastNotifiedID = 0

    init(
        database: @escaping @Sendable () -> (any Database)?, presence: PresenceService,
        configuration: ConfigurationCache,
        postgres: PostgresConnection.Configuration?, eventLoop: any EventLoop, logger: Logger
    ) {
        self.provider = database
        self.presence = presence
        self.configuration = configuration
        self.postgresConfiguration = postgres
        self.eventLoop = eventLoop
        self.logger = logger
    }

    // MARK: Running

    /// The database, for the hub and the connections it serves; an error once the application
    /// is shutting down, which ends every connection.
    nonisolated func database() throws -> any Database {
        guard !isStopped.withLockedValue({ $0 }), let database = provider() else { throw LiveHubStopped() }
        return database
    }

    nonisolated var isRunning: Bool { !isStopped.withLockedValue { $0 } }

    /// Starts following the log (once; concurrent callers wait for the same start).
    func start() async throws {
        if started { return }
        if let starting { return try await starting.value }
        let task = Task { try await self.begin() }
        starting = task
        do {
            try await task.value
        } catch {
            starting = nil
            throw error
        }
    }

    /// The id a page rendered now starts following from: every event after it is news to the page.
    func cursor() async throws -> Int {
        try await start()
        return latest
    }

    private func begin() async throws {
        latest = try await EventLog.latestID(on: database())
        floor = latest
        started = true
        let wake = self.wake
        let signal = LiveSignal.shared.subscribe { wake.signal() }
        tasks.append(
            Task { [weak self] in
                defer { LiveSignal.shared.unsubscribe(signal) }
                while !Task.isCancelled {
                    await wake.wait(timeout: Self.pollInterval)
                    guard let self else { return }
                    await self.tail()
                }
            })
        tasks.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: PresenceService.refreshInterval)
                    guard let self else { return }
                    await self.maintainPresence()
                }
            })
        if let postgresConfiguration {
            tasks.append(Task { [weak self] in await self?.listen(postgresConfiguration) })
            tasks.append(Task { [weak self] in await self?.relayNotifications() })
        }
    }

    func stop() async {
        isStopped.withLockedValue { $0 = true }
        for task in tasks { task.cancel() }
        wake.signal()
        notifyWake.signal()
        for task in tasks { await task.value }
        tasks = []
        for subscriber in subscribers.values { subscriber.signal() }
        subscribers = [:]
        started = false
        starting = nil
    }

    // MARK: Presence

    /// Counts a connected tab, so its presence row is kept alive while it is connected.
    func connected(tab: String) {
        tabs[tab, default: 0] += 1
    }

    func disconnected(tab: String) {
        guard let count = tabs[tab] else { return }
        if count <= 1 { tabs.removeValue(forKey: tab) } else { tabs[tab] = count - 1 }
    }

    /// Refreshes this instance's tabs in one statement and removes tabs nobody refreshed (any
    /// instance may do that; each row goes once).
    private func maintainPresence() async {
        do {
            try await presence.refresh(tabs: Array(tabs.keys), on: database())
            try await presence.sweep(
                directory: try await configuration.current(on: database()).directory, on: database())
        } catch {
            logger.warning("live presence: \(error)")
        }
    }

    /// Reads whatever the log has beyond what the hub holds and tells the subscribers.
    func tail() async {
        do {
            while true {
                let batch = try await EventLog.read(after: latest, limit: 1_000, on: database())
                guard let last = batch.last else { return }
                recent.append(contentsOf: batch)
                latest = last.id
                if recent.count > Self.capacity * 2 {
                    let dropped = recent.count - Self.capacity
                    floor = recent[dropped - 1].id
                    recent.removeFirst(dropped)
                }
                for subscriber in subscribers.values { subscriber.signal() }
                if postgresConfiguration != nil { notifyWake.signal() }
                if batch.count < 1_000 { return }
            }
        } catch {
            logger.warning("live events: reading the log failed: \(error)")
        }
    }

    // MARK: Reading

    /// The events after `id` that the hub holds, or nil when `id` is older than what it holds
    /// (the caller reads the log).
    func events(after id: Int, limit: Int) -> [LiveEvent]? {
        guard id >= floor else { return nil }
        guard id < latest else { return [] }
        let start = Self.firstIndex(in: recent, after: id)
        return Array(recent[start..<min(recent.count, start + limit)])
    }

    private static func firstIndex(in events: [LiveEvent], after id: Int) -> Int {
        var low = 0
        var high = events.count
        while low < high {
            let middle = (low + high) / 2
            if events[middle].id <= id { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Signals `wake` whenever events arrive.
    func subscribe(_ wake: WakeSignal) -> UUID {
        let id = UUID()
        subscribers[id] = wake
        return id
    }

    func unsubscribe(_ id: UUID) {
        subscribers.removeValue(forKey: id)
    }

    // MARK: PostgreSQL

    /// Listens for other instances' hints on a connection of its own (it must not go through a
    /// transaction-mode pooler), reconnecting with a pause when it drops.
    private func listen(_ configuration: PostgresConnection.Configuration) async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoop, configuration: configuration, id: 1, logger: logger
                ).get()
                attempt = 0
                let wake = self.wake
                do {
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: Self.notifyChannel) { notifications in
                            for try await _ in notifications { wake.signal() }
                        }
                    } onCancel: {
                        _ = connection.close() as EventLoopFuture<Void>
                    }
                } catch {
                    try? await connection.close().get()
                    throw error
                }
                try? await connection.close().get()
            } catch {
                if Task.isCancelled { return }
                attempt += 1
                logger.warning(
                    "live events: LISTEN connection lost (\(error)); the log is still read every \(Self.pollInterval)")
                try? await Task.sleep(for: .milliseconds(min(5_000, 200 * attempt)))
            }
        }
    }

    /// Tells the other instances that this one wrote events: at most one NOTIFY every
    /// `notifyInterval`, carrying the newest id, sent outside any transaction.
    private func relayNotifications() async {
        let notifyWake = self.notifyWake
        while !Task.isCancelled {
            await notifyWake.wait(timeout: .seconds(3600))
            if Task.isCancelled { return }
            let newest = latest
            guard newest > lastNotifiedID else { continue }
            lastNotifiedID = newest
            do {
                try await database().sql.raw("SELECT pg_notify(\(bind: Self.notifyChannel), \(bind: String(newest)))")
                    .run()
            } catch {
                logger.warning("live events: NOTIFY failed: \(error)")
            }
            try? await Task.sleep(for: Self.notifyInterval)
        }
    }
}

/// The application is shutting down: live connections end.
struct LiveHubStopped: Error, CustomStringConvertible {
    var description: String { "The server is shutting down; live connections end and reconnect elsewhere." }
}

/// Tells every event hub in this process that a transaction with events committed.
final class LiveSignal: Sendable {
    static let shared = LiveSignal()

    private let listeners = NIOLockedValueBox<[UUID: @Sendable () -> Void]>([:])

    func committed() {
        for listener in listeners.withLockedValue({ Array($0.values) }) { listener() }
    }

    func subscribe(_ listener: @escaping @Sendable () -> Void) -> UUID {
        let id = UUID()
        listeners.withLockedValue { $0[id] = listener }
        return id
    }

    func unsubscribe(_ id: UUID) {
        _ = listeners.withLockedValue { $0.removeValue(forKey: id) }
    }
}

/// A wake-up that is never lost: a signal given while nobody waits makes the next wait return
/// at once.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func signal() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration) async {
        let timer = Task { [weak self] in
            // A cancelled timer (the signal came first) must not signal: that would make the
            // next wait return at once, and a waiting loop spin.
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.signal()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signal()
        }
        // A timeout that fired as the signal came leaves a pending flag: the next wait returns
        // at once, which costs one extra look at the log and loses nothing.
    }
}
