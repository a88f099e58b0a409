import Foundation
import RapportCore

/// The ticket page's side panel as it arrives with a form: status, priority, assignee, team and
/// tags, each beside the value the page showed (`original_*`).
///
/// The panel's fields travel with the composer as well as with "Update ticket", so a reply sent
/// after changing the panel applies both. Only fields the agent changed on the page are applied:
/// a value that someone else changed meanwhile is not put back.
struct TicketPanelForm: Decodable, Sendable {
    var ticketStatus: String?
    var ticketPriority: String?
    var ticketAssignee: String?
    var ticketTeam: String?
    var ticketTags: String?
    var originalStatus: String?
    var originalPriority: String?
    var originalAssignee: String?
    var originalTeam: String?
    var originalTags: String?
    /// The names the panel used before it was joined to the composer (and API-like clients use).
    var status: String?
    var priority: String?
    var assignee: String?
    var team: String?
    var tags: String?

    enum CodingKeys: String, CodingKey {
        case ticketStatus = "ticket_status"
        case ticketPriority = "ticket_priority"
        case ticketAssignee = "ticket_assignee"
        case ticketTeam = "ticket_team"
        case ticketTags = "ticket_tags"
        case originalStatus = "original_status"
        case originalPriority = "original_priority"
        case originalAssignee = "original_assignee"
        case originalTeam = "original_team"
        case originalTags = "original_tags"
        case status, priority, assignee, team, tags
    }

    /// Whether the form carries the panel at all (a composer on a closed ticket does not).
    var hasPanel: Bool {
        ticketStatus != nil || ticketPriority != nil || ticketAssignee != nil || ticketTeam != nil || ticketTags != nil
    }

    /// The changes the agent made in the panel. With `legacy`, the plain field names count too
    /// (the properties form as it was); the composer's own `status` is its send status, never
    /// the panel's.
    func changes(currentAgent: Int, legacy: Bool) throws -> TicketUpdate {
        func pick(_ panel: String?, _ old: String?) -> String? { panel ?? (legacy ? old : nil) }
        func changed(_ value: String?, from original: String?) -> String? {
            guard let value else { return nil }
            if let original, Self.same(value, original) { return nil }
            return value
        }
        var update = TicketUpdate()
        update.status = try WebForm.optionalChoice(
            changed(pick(ticketStatus, status), from: originalStatus), TicketStatus.self, field: "status")
        update.priority = try WebForm.optionalChoice(
            changed(pick(ticketPriority, priority), from: originalPriority), TicketPriority.self, field: "priority")
        update.assigneeID = try WebForm.assignee(
            changed(pick(ticketAssignee, assignee), from: originalAssignee), currentAgent: currentAgent)
        update.teamID = try WebForm.reference(changed(pick(ticketTeam, team), from: originalTeam), field: "team")
        if let tags = pick(ticketTags, tags) {
            let now = Set(WebForm.tags(tags).map { $0.lowercased() })
            let before = originalTags.map { Set(WebForm.tags($0).map { $0.lowercased() }) }
            if let before {
                // Only what the agent added or removed, so tags a rule or a colleague set meanwhile stay.
                update.addTags = WebForm.tags(tags).filter { !before.contains($0.lowercased()) }
                update.removeTags = before.subtracting(now).sorted()
            } else {
                update.tags = WebForm.tags(tags)
            }
        }
        return update
    }

    private static func same(_ a: String, _ b: String) -> Bool {
        a.trimmingCharacters(in: .whitespaces).lowercased() == b.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

extension TicketUpdate {
    /// Whether the update changes nothing at all.
    var isEmpty: Bool {
        subject == nil && status == nil && priority == nil && requesterID == nil && assigneeID == .unchanged
            && teamID == .unchanged
            && tags == nil && addTags.isEmpty && removeTags.isEmpty
    }

    /// This update with `other`'s changes for the fields this one leaves alone (tags are joined).
    func filling(from other: TicketUpdate) -> TicketUpdate {
        var merged = self
        merged.subject = subject ?? other.subject
        merged.status = status ?? other.status
        merged.priority = priority ?? other.priority
        merged.requesterID = requesterID ?? other.requesterID
        if assigneeID == .unchanged { merged.assigneeID = other.assigneeID }
        if teamID == .unchanged { merged.teamID = other.teamID }
        merged.tags = tags ?? other.tags
        merged.addTags = addTags + other.addTags.filter { tag in !addTags.contains(tag) && !removeTags.contains(tag) }
        merged.removeTags = removeTags + other.removeTags.filter { !removeTags.contains($0) && !addTags.contains($0) }
        return merged
    }
}
