import Foundation
import RapportCore

struct AttachmentLink: Encodable, Sendable {
    let filename: String
    let url: String
    let size: String
}

/// One entry of the conversation: a message or a change to the ticket.
struct TimelineItem: Encodable, Sendable {
    /// "customer", "reply", "note" or "event"; decides how the entry looks.
    let kind: String
    let kindLabel: String
    let authorName: String
    let when: String
    let whenFull: String
    let iso: String
    let body: String?
    let eventText: String?
    let attachments: [AttachmentLink]
    var hasAttachments: Bool = false
    /// For a customer's message: how it read ("upset · urgent").
    var moodText: String? = nil
    /// For mail: the quoted history, folded away; the Cc list; the delivery of a reply.
    var quoted: String? = nil
    var cc: String? = nil
    var delivery: String? = nil
    var deliveryFailed = false
    /// For an agent's public reply: where to start a knowledge-base article from it.
    var newArticleURL: String? = nil
    /// The body as HTML: escaped, web addresses as links.
    var bodyHTML: String? = nil
}

/// A published article that may answer the ticket, with the link to give the customer.
struct SuggestedArticle: Encodable, Sendable {
    let title: String
    let url: String
}

/// A badge for the mood of the customer's latest message.
struct MoodBadge: Encodable, Sendable {
    /// "upset", "urgent", "churn", "happy" or "unhappy"; picks the colour.
    let kind: String
    let label: String

    static func badges(for mood: MessageMoodDTO) -> [MoodBadge] {
        var badges: [MoodBadge] = []
        if mood.upset { badges.append(MoodBadge(kind: "upset", label: "Upset")) }
        if mood.urgent { badges.append(MoodBadge(kind: "urgent", label: "Urgent")) }
        if mood.churnRisk { badges.append(MoodBadge(kind: "churn", label: "May leave")) }
        if badges.isEmpty, mood.sentiment >= 0.25 { badges.append(MoodBadge(kind: "happy", label: "Happy")) }
        if badges.isEmpty, mood.sentiment <= -0.25 { badges.append(MoodBadge(kind: "unhappy", label: "Unhappy")) }
        return badges
    }
}

struct TicketHeader: Encodable, Sendable {
    let number: Int
    let subject: String
    let status: String
    let statusLabel: String
    let priority: String
    let priorityLabel: String
    let channelLabel: String
    let created: String
    let createdFull: String
    let tags: [String]
    let tagsText: String
    let isClosed: Bool
    let moods: [MoodBadge]
}

struct RequesterCard: Encodable, Sendable {
    let name: String
    let url: String
    let emails: [String]
    let phone: String?
    let organizationName: String?
    let organizationURL: String?
    let notes: String?
    let churnRiskSince: String?
    /// Set when mail to one of their addresses bounced.
    var bounceWarning: String? = nil
    let otherTickets: [TicketListRow]
    let hasOtherTickets: Bool
}

struct ComposerState: Encodable, Sendable {
    var kind: String = "reply"
    var body: String = ""
    var macroID: Int?
    var macroTitle: String?
    var error: String?
    /// "Using macro “Refund”: when you send, it sets the status to Pending and adds the tag refund."
    var macroSummary: String?
    var replyPlaceholder = "Write your reply…"
    var notePlaceholder = "Write a note for your team (customers never see it)…"
    /// The largest file, and all files of one reply together, that can be attached.
    var maxAttachmentBytes = 0
    var maxAttachmentText = ""
    /// The agent's signature, for the "Add your signature" button; empty without one.
    var signature = ""
}

/// The side panel's values as the page shows them, and the values it started from, which go
/// back with the form so only what the agent changed is applied.
struct TicketPanelState: Encodable, Sendable {
    let status: String
    let priority: String
    let assignee: String
    let team: String
    let tagsText: String
    let originalStatus: String
    let originalPriority: String
    let originalAssignee: String
    let originalTeam: String
    let originalTags: String

    /// Whether the panel shows changes that were not saved (after a refused send).
    var hasUnsavedChanges = false

    mutating func noteUnsavedChanges() {
        hasUnsavedChanges =
            status != originalStatus || priority != originalPriority || assignee != originalAssignee
            || team != originalTeam
            || tagsText != originalTags
    }
}

struct TicketPageContext: Encodable, Sendable {
    let page: PageChrome
    let ticket: TicketHeader
    let timeline: [TimelineItem]
    let composer: ComposerState
    let sendStatusOptions: [SelectOption]
    /// The team's shared macros, and the agent's own.
    let macroOptions: [SelectOption]
    let ownMacroOptions: [SelectOption]
    let hasOwnMacros: Bool
    let statusOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let assigneeOptions: [SelectOption]
    let teamOptions: [SelectOption]
    let panel: TicketPanelState
    let requester: RequesterCard
    let attachments: [AttachmentLink]
    let hasAttachments: Bool
    let propertiesError: String?
    let sla: [SLAClockView]
    let hasSLA: Bool
    let delayNotices: [DelayNoticeDraft]
    let suggestedArticles: [SuggestedArticle]
    let hasSuggestedArticles: Bool
}

/// A delay notice Rapport prepared, waiting for the agent to send or dismiss it.
struct DelayNoticeDraft: Encodable, Sendable {
    let id: Int
    let metricLabel: String
    let body: String
    let promised: String
}

/// Wording for the ticket's event log in the timeline: "set status to Pending".
enum TimelineWording {
    /// Messages are shown themselves, so their bookkeeping events are not repeated.
    static let hiddenFields: Set<TicketChange.Field> = [.reply, .note, .customerMessage, .firstResponse]
    static let createdText = "created the ticket"

    static func describe(
        field: TicketChange.Field, before: String?, after: String?, agentName: (Int?) -> String?,
        teamName: (Int?) -> String?
    ) -> String {
        func status(_ raw: String?) -> String { raw.flatMap(TicketStatus.init(rawValue:))?.label ?? (raw ?? "none") }
        func priority(_ raw: String?) -> String {
            raw.flatMap(TicketPriority.init(rawValue:))?.label ?? (raw ?? "none")
        }
        func metric(_ raw: String?) -> String { raw.flatMap(SLAMetric.init(rawValue:))?.label.lowercased() ?? "SLA" }
        switch field {
        case .created: return createdText
        case .status: return "changed the status from \(status(before)) to \(status(after))"
        case .priority: return "changed the priority from \(priority(before)) to \(priority(after))"
        case .assignee:
            guard let after else { return "unassigned the ticket" }
            return "assigned the ticket to \(agentName(Int(after)) ?? "a former agent")"
        case .team:
            guard let after else { return "removed the team" }
            return "moved the ticket to \(teamName(Int(after)) ?? "a deleted team")"
        case .subject: return "changed the subject to “\(after ?? "")”"
        case .requester: return "changed the requester"
        case .tagAdded: return "added the tag \(after ?? "")"
        case .tagRemoved: return "removed the tag \(before ?? "")"
        case .reply: return "replied"
        case .note: return "added a note"
        case .customerMessage: return "wrote"
        case .firstResponse: return "sent the first response"
        case .emailBounced: return "noted that email to \(after ?? "the customer") bounced"
        case .emailFailed: return "could not send an email: \(after ?? "")"
        case .slaEscalated: return "escalated the ticket: its \(metric(before)) used \(after ?? "most") of its target"
        case .slaBreached: return "recorded that the \(metric(before)) target was missed"
        case .delayNotice:
            return after == DelayNotice.Status.draft.rawValue
                ? "prepared a delay notice for the customer (\(metric(before)) will be late)"
                : "sent the customer a delay notice with a new time"
        case .automation: return "applied the rule “\(after ?? "")”"
        }
    }
}
