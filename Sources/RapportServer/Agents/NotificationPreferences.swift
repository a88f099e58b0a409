import Foundation

/// What an agent wants to be told about, in Rapport and by email. Stored as JSON on the agent;
/// anything missing takes the default, so new kinds of notification start switched on.
struct NotificationPreferences: Codable, Sendable, Equatable {
    /// A ticket was assigned to them (by someone else or a rule).
    var assigned = Channels(inApp: true, email: true)
    /// The customer wrote on a ticket assigned to them.
    var customerReplied = Channels(inApp: true, email: false)
    /// An SLA escalation, a missed target or a delay notice on their ticket.
    var sla = Channels(inApp: true, email: true)

    struct Channels: Codable, Sendable, Equatable {
        var inApp: Bool
        var email: Bool
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = NotificationPreferences()
        assigned = try container.decodeIfPresent(Channels.self, forKey: .assigned) ?? defaults.assigned
        customerReplied =
            try container.decodeIfPresent(Channels.self, forKey: .customerReplied) ?? defaults.customerReplied
        sla = try container.decodeIfPresent(Channels.self, forKey: .sla) ?? defaults.sla
    }

    enum CodingKeys: String, CodingKey {
        case assigned
        case customerReplied = "customer_replied"
        case sla
    }

    static func decode(_ stored: String?) -> NotificationPreferences {
        guard let stored, let data = stored.data(using: .utf8) else { return NotificationPreferences() }
        return (try? JSONDecoder().decode(NotificationPreferences.self, from: data)) ?? NotificationPreferences()
    }

    var encoded: String { (try? String(decoding: JSONEncoder().encode(self), as: UTF8.self)) ?? "{}" }
}
