import Foundation

/// How often the server's background work runs, and how long a worker's claim on a job or an
/// outbox row lasts before another worker may take it over (after a crash, say).
public struct BackgroundSettings: Sendable {
    /// Off in tests, which run jobs themselves.
    public var enabled: Bool
    /// How often the worker looks for due jobs.
    public var jobPollInterval: TimeInterval
    public var outboxInterval: TimeInterval
    public var mailboxInterval: TimeInterval
    /// SLA checks: escalations, breaches and delay notices.
    public var slaInterval: TimeInterval
    public var timeRulesInterval: TimeInterval
    public var lease: TimeInterval

    public init(
        enabled: Bool = false, jobPollInterval: TimeInterval = 1, outboxInterval: TimeInterval = 2,
        mailboxInterval: TimeInterval = 60,
        slaInterval: TimeInterval = 30, timeRulesInterval: TimeInterval = 300, lease: TimeInterval = 120
    ) {
        self.enabled = enabled
        self.jobPollInterval = jobPollInterval
        self.outboxInterval = outboxInterval
        self.mailboxInterval = mailboxInterval
        self.slaInterval = slaInterval
        self.timeRulesInterval = timeRulesInterval
        self.lease = lease
    }

    /// From `RAPPORT_JOBS_POLL_SECONDS`, `RAPPORT_MAIL_OUTBOX_SECONDS`, `RAPPORT_MAIL_POLL_SECONDS`,
    /// `RAPPORT_SLA_SECONDS`, `RAPPORT_TIME_RULES_SECONDS` and `RAPPORT_LEASE_SECONDS`
    /// (`RAPPORT_MAIL_LEASE_SECONDS` is still read).
    public static func fromEnvironment(
        enabled: Bool, _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> BackgroundSettings {
        var settings = BackgroundSettings(enabled: enabled)
        func seconds(_ name: String) -> TimeInterval? {
            environment[name].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
        }
        if let value = seconds("RAPPORT_JOBS_POLL_SECONDS") { settings.jobPollInterval = value }
        if let value = seconds("RAPPORT_MAIL_OUTBOX_SECONDS") { settings.outboxInterval = value }
        if let value = seconds("RAPPORT_MAIL_POLL_SECONDS") { settings.mailboxInterval = value }
        if let value = seconds("RAPPORT_SLA_SECONDS") { settings.slaInterval = value }
        if let value = seconds("RAPPORT_TIME_RULES_SECONDS") { settings.timeRulesInterval = value }
        if let value = seconds("RAPPORT_LEASE_SECONDS") ?? seconds("RAPPORT_MAIL_LEASE_SECONDS") {
            settings.lease = value
        }
        return settings
    }
}
