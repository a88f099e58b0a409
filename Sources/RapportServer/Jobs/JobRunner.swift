import Fluent
import FluentKit
import Foundation
import Logging
import Vapor

/// How one kind of job runs.
struct JobHandler: Sendable {
    enum Work: Sendable {
        /// The work and the job's completion commit in one write transaction: a crash midway
        /// leaves nothing done, and the job runs again.
        case transactional(@Sendable (Job, WriteTransaction) async throws -> Void)
        /// The work commits its own steps, each safe to repeat (it sends mail, talks to other
        /// servers, or walks many tickets); the claim is renewed while it runs.
        case selfManaged(@Sendable (Job, any Database) async throws -> Void)
    }

    /// Repeating jobs run again this long after each run.
    let repeatEvery: TimeInterval?
    let work: Work

    static func transactional(
        repeatEvery: TimeInterval? = nil, _ run: @escaping @Sendable (Job, WriteTransaction) async throws -> Void
    ) -> JobHandler {
        JobHandler(repeatEvery: repeatEvery, work: .transactional(run))
    }

    static func selfManaged(
        repeatEvery: TimeInterval?, _ run: @escaping @Sendable (Job, any Database) async throws -> Void
    ) -> JobHandler {
        JobHandler(repeatEvery: repeatEvery, work: .selfManaged(run))
    }
}

/// Claims due jobs and runs them with their handlers.
struct JobRunner: Sendable {
    let queue: JobQueue
    let handlers: [String: JobHandler]
    let logger: Logger

    /// Runs due jobs until none is left or `limit` ran. Returns how many ran.
    @discardableResult
    func runDue(limit: Int = 100, on db: any Database) async throws -> Int {
        var ran = 0
        while ran < limit, let job = try await queue.claimNext(on: db) {
            await run(job, on: db)
            ran += 1
        }
        return ran
    }

    func run(_ job: Job, on db: any Database) async {
        guard let handler = handlers[job.kind] else {
            try? await queue.failed(job, error: "no handler for jobs of kind '\(job.kind)'", repeatAfter: nil, on: db)
            return
        }
        do {
            switch handler.work {
            case .transactional(let work):
                try await db.write { tx in
                    try await work(job, tx)
                    guard try await queue.finish(job, repeatAfter: handler.repeatEvery, on: tx.db) else {
                        throw LostJobClaim(jobID: try job.requireID)
                    }
                }
            case .selfManaged(let work):
                let heartbeat = Task {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(max(queue.lease / 3, 0.5)))
                        _ = try await queue.extendClaim(job, on: db)
                    }
                }
                defer { heartbeat.cancel() }
                try await work(job, db)
                guard try await queue.finish(job, repeatAfter: handler.repeatEvery, on: db) else {
                    throw LostJobClaim(jobID: try job.requireID)
                }
            }
        } catch let lost as LostJobClaim {
            logger.warning("\(lost)")
        } catch {
            logger.warning("job \(job.kind) #\(job.id ?? 0) failed (attempt \(job.attempts)): \(error)")
            try? await queue.failed(job, error: "\(error)", repeatAfter: handler.repeatEvery, on: db)
        }
    }
}

/// Runs due jobs in the background while the server runs.
final class JobWorker: LifecycleHandler, @unchecked Sendable {
    private let settings: BackgroundSettings
    private var task: Task<Void, Never>?

    init(settings: BackgroundSettings) { self.settings = settings }

    func didBootAsync(_ application: Application) async throws {
        guard settings.enabled else { return }
        let services = application.rapport
        let db = application.db
        let logger = application.logger
        for kind in JobKind.repeating { try await services.jobs.ensureRepeating(kind, on: db) }
        let runner = services.jobRunner(logger: logger)
        let interval = settings.jobPollInterval
        task = Task {
            while !Task.isCancelled {
                do { try await runner.runDue(on: db) } catch { logger.warning("job worker: \(error)") }
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        await task?.value
        task = nil
    }
}

extension JobKind {
    /// The jobs that exist once and repeat for as long as the server runs.
    static let repeating: [JobKind] = [.outbox, .mailboxes, .slaSweep, .timeRules, .cleanup]
}
