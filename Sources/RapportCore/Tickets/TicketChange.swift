/// One recorded change to a ticket, as written to its event log.
public struct TicketChange: Sendable, Equatable {
    /// What changed; stable names used in the event log and the API.
    public enum Field: String, Sendable, Codable, CaseIterable {
        case created, subject, status, priority, assignee, team, requester, tagAdded = "tag_added",
             tagRemoved = "tag_removed", reply, note, customerMessage = "customer_message",
             firstResponse = "first_response", emailBounced = "email_bounced", emailFailed = "email_failed",
             slaEscalated = "sla_escalated", slaBreached = "sla_breached", delayNotice = "delay_notice",
             automation
    }

    public let field: Field
    public let before: String?
    public let after: String?

    public init(field: Field, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }

    /// A change if the value really differs, otherwise nothing: callers can record blindly.
    public static func ifChanged<T: Equatable>(_ field: Field, from old: T?, to new: T?, describe: (T) -> String) -> TicketChange? {
        guard old != new else { return nil }
        return TicketChange(field: field, before: old.map(describe), after: new.map(describe))
    }
}
