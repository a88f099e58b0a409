import FluentKit
import Foundation
import Logging
import Fluent
import Vapor

/// How often the server sends queued mail and polls mailboxes, and how long a claim on an
/// outbox row lasts before another sender may take it over.
public struct MailWorkerSettings: Sendable {
    /// Off in tests, which drive the workers themselves.
    public var enabled: Bool
    public var outboxInterval: TimeInterval
    public var mailboxInterval: TimeInterval
    public var lease: TimeInterval

    public init(enabled: Bool = false, outboxInterval: TimeInterval = 2, mailboxInterval: TimeInterval = 60, lease: TimeInterval = 120) {
        self.enabled = enabled
        self.outboxInterval = outboxInterval
        self.mailboxInterval = mailboxInterval
        self.lease = lease
    }

    /// From `RAPPORT_MAIL_OUTBOX_SECONDS`, `RAPPORT_MAIL_POLL_SECONDS`, `RAPPORT_MAIL_LEASE_SECONDS`.
    public static func fromEnvironment(enabled: Bool, _ environment: [String: String] = ProcessInfo.processInfo.environment) -> MailWorkerSettings {
        var settings = MailWorkerSettings(enabled: enabled)
        if let value = environment["RAPPORT_MAIL_OUTBOX_SECONDS"].flatMap(Double.init), value > 0 { settings.outboxInterval = value }
        if let value = environment["RAPPORT_MAIL_POLL_SECONDS"].flatMap(Double.init), value > 0 { settings.mailboxInterval = value }
        if let value = environment["RAPPORT_MAIL_LEASE_SECONDS"].flatMap(Double.init), value > 0 { settings.lease = value }
        return settings
    }
}

/// Runs the outbox sender and the mailbox poller while the server runs.
final class MailBackground: LifecycleHandler, @unchecked Sendable {
    private let settings: MailWorkerSettings
    private var tasks: [Task<Void, Never>] = []

    init(settings: MailWorkerSettings) { self.settings = settings }

    func didBootAsync(_ application: Application) async throws {
        guard settings.enabled else { return }
        let services = application.rapport
        let db = application.db
        let logger = application.logger
        let sender = services.outboxSender(logger: logger)
        let poller = services.mailboxPoller(logger: logger)
        tasks.append(Self.repeating(every: settings.outboxInterval, logger: logger, name: "outbox") {
            try await sender.sendDue(on: db)
        })
        tasks.append(Self.repeating(every: settings.mailboxInterval, logger: logger, name: "mailboxes") {
            _ = try await poller.pollAll(on: db)
        })
    }

    func shutdownAsync(_ application: Application) async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        tasks = []
    }

    private static func repeating(every interval: TimeInterval, logger: Logger, name: String, _ work: @escaping @Sendable () async throws -> Void) -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                do { try await work() } catch { logger.warning("\(name) worker: \(error)") }
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }
}

extension RapportServices {
    func outboxSender(logger: Logger) -> OutboxSender {
        OutboxSender(settings: mailSettings, clock: clock, lease: settings.mailWorkers.lease, logger: logger)
    }

    func mailboxPoller(logger: Logger) -> MailboxPoller {
        MailboxPoller(settings: mailSettings, inbound: inboundMail, clock: clock, logger: logger)
    }
}
