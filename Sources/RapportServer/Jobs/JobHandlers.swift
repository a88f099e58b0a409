import FluentKit
import Foundation
import Logging
import RapportCore

extension RapportServices {
    /// The runner with a handler for every kind of job.
    func jobRunner(logger: Logger) -> JobRunner {
        let background = settings.background
        let sender = outboxSender(logger: logger)
        let poller = mailboxPoller(logger: logger)
        let alerts = slaAlerts(logger: logger)
        let automations = automations(logger: logger)
        let sharedLimits = self.sharedLimits
        let clock = self.clock
        let jobs = self.jobs
        let handlers: [JobKind: JobHandler] = [
            .outbox: JobHandler.selfManaged(repeatEvery: background.outboxInterval) { _, db in
                try await sender.sendDue(on: db)
            },
            .mailboxes: JobHandler.selfManaged(repeatEvery: background.mailboxInterval) { _, db in
                _ = try await poller.pollAll(on: db)
            },
            .slaSweep: JobHandler.selfManaged(repeatEvery: background.slaInterval) { _, db in
                try await alerts.run(on: db)
            },
            .timeRules: JobHandler.selfManaged(repeatEvery: background.timeRulesInterval) { _, db in
                try await automations.runTimeRules(on: db)
            },
            .automationTrigger: JobHandler.transactional { job, tx in
                let payload = try JSONDecoder().decode(AutomationTriggerJob.self, from: Data(job.payload.utf8))
                try await automations.runTriggers(payload, in: tx)
            },
            .cleanup: JobHandler.selfManaged(repeatEvery: 3600) { _, db in
                try await jobs.deleteFinished(on: db)
                try await sharedLimits.prune(on: db)
                try await EventLog.prune(now: clock.now(), on: db)
                try await IdempotencyMiddleware.prune(now: clock.now(), on: db)
            },
        ]
        return JobRunner(
            queue: jobs, handlers: Dictionary(uniqueKeysWithValues: handlers.map { ($0.key.rawValue, $0.value) }),
            logger: logger)
    }

    func outboxSender(logger: Logger) -> OutboxSender {
        OutboxSender(settings: mailSettings, clock: clock, lease: settings.background.lease, logger: logger)
    }

    func mailboxPoller(logger: Logger) -> MailboxPoller {
        MailboxPoller(settings: mailSettings, inbound: inboundMail, clock: clock, logger: logger)
    }

    func slaAlerts(logger: Logger) -> SLAAlertService {
        SLAAlertService(clock: clock, sla: sla, tickets: tickets, notifications: notifications, logger: logger)
    }

    func automations(logger: Logger) -> AutomationService {
        AutomationService(clock: clock, tickets: tickets, mailSettings: mailSettings, logger: logger)
    }
}
