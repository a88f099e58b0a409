/// One recorded change to a ticket, as written to its event log.
public struct TicketChange: Sendable, Equatable {
    /// What changed; stable names used in the event log and the API.
    public enum Field: String, Sendable, Codable, CaseIterable {
        case created, subject, status, priority, assignee, team, requester
        case tagAdded = "tag_added"
        case
            tagRemoved = "tag_removed"
        case reply, note
        case customerMessage = "customer_message"
        case
            firstResponse = "first_response"
        case emailBounced = "email_bounced"
        case emailFailed = "email_failed"
        case
            slaEscalated = "sla_escalated"
        case slaBreached = "sla_breached"
        case delayNotice = "delay_notice"
        case
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
    public static func ifChanged<T: Equatable>(_ field: Field, from old: T?, to new: T?, describe: (T) -> String)
        -> TicketChange?
    {
        guard old != new else { return nil }
        return TicketChange(field: field, before: old.map(describe), after: new.map(describe))
    }
}
