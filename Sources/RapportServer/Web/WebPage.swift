import Fluent
import Leaf
import RapportCore
import Vapor

/// What every workspace page shows around its content: who is signed in, the navigation, the
/// CSRF token for its forms, and a one-line notice after an action.
struct PageChrome: Encodable, Sendable {
    let title: String
    /// Which navigation entry is current: "inbox", "customers", "organizations", "search", "admin".
    let section: String
    let agentName: String
    let agentInitials: String
    let isAdmin: Bool
    let csrfToken: String
    let notice: String?
    let noticeIsWarning: Bool
    let views: [InboxViewLink]
    /// "light" or "dark" when the agent chose one; "system" follows the device.
    let theme: String
    let themeOptions: [SelectOption]
    /// This page's address, for forms that come back to it (the theme switch).
    let currentPath: String
    let agentID: Int
    /// The event log id the page's script follows from; empty when live updates are unavailable.
    let liveAfter: String
}

/// A navigation entry for an inbox view. The count is filled in on the inbox page and
/// refreshed by the page script everywhere.
struct InboxViewLink: Encodable, Sendable {
    let key: String
    let label: String
    /// The count as text, empty when it is not known yet.
    let count: String
    let isCurrent: Bool
}

/// One option of a `<select>`, with its selected state worked out in Swift so templates stay
/// free of logic.
struct SelectOption: Encodable, Sendable {
    let value: String
    let label: String
    let selected: Bool

    /// One option per choice, labelled as agents read it.
    static func choices<Choice: LabelledChoice>(_ choices: some Sequence<Choice>, selected: Choice?) -> [SelectOption] {
        choices.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == selected) }
    }
}

/// A fixed set of values a form offers in a `<select>`.
protocol LabelledChoice: RawRepresentable, Equatable where RawValue == String {
    var label: String { get }
}

extension Request {
    /// The chrome for a page in `section`, for the signed-in agent.
    func chrome(
        title: String, section: String, counts: InboxCounts? = nil, currentView: InboxView? = nil,
        notice: PageNotice? = nil
    ) throws -> PageChrome {
        let agent = try self.agent
        return PageChrome(
            title: title, section: section, agentName: agent.name, agentInitials: Self.initials(agent.name),
            isAdmin: agent.isAdmin, csrfToken: webSession?.csrfToken ?? "",
            notice: (notice?.rawValue ?? queryString("notice")).flatMap(PageNotice.text(for:)),
            noticeIsWarning: (notice ?? queryString("notice").flatMap(PageNotice.init(rawValue:)))?.isWarning ?? false,
            views: InboxView.allCases.map {
                InboxViewLink(
                    key: $0.rawValue, label: $0.label, count: counts?[$0].map(String.init) ?? "",
                    isCurrent: $0 == currentView)
            },
            theme: themePreference.rawValue,
            themeOptions: ThemePreference.allCases.map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == themePreference)
            },
            currentPath: method == .GET ? url.string : "/inbox",
            agentID: agent.id,
            liveAfter: storage[LiveCursorMiddleware.Key.self].map(String.init) ?? ""
        )
    }

    /// Renders a template into an HTML response that browsers must not cache or frame.
    func page(_ template: String, _ context: some Encodable, status: HTTPStatus = .ok) async throws -> Response {
        let view = try await self.view.render(template, context)
        let response = try await view.encodeResponse(status: status, for: self)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// After a form: back to `path` with a notice from `PageNotice`.
    func redirect(to path: String, notice: PageNotice) -> Response {
        let separator = path.contains("?") ? "&" : "?"
        return redirect(to: path + separator + "notice=" + notice.rawValue, redirectType: .normal)
    }

    private static func initials(_ name: String) -> String {
        let letters = name.split(separator: " ").prefix(2).compactMap(\.first)
        return String(letters).uppercased()
    }
}

/// The fixed set of notices a redirect can ask for; the query string only names one, so a link
/// cannot put arbitrary text on the page.
enum PageNotice: String, CaseIterable {
    case replySent = "reply-sent"
    case replySentAndUpdated = "reply-sent-updated"
    case noteAdded = "note-added"
    case noteAddedAndUpdated = "note-added-updated"
    case ticketUpdated = "ticket-updated"
    case ticketUpdatedDraftKept = "ticket-updated-draft-kept"
    case ticketCreated = "ticket-created"
    case callAdded = "call-added"
    case bulkUpdated = "bulk-updated"
    case bulkPartlyUpdated = "bulk-partly-updated"
    case bulkNothingSelected = "bulk-nothing-selected"
    case customerSaved = "customer-saved"
    case organizationSaved = "organization-saved"
    case agentSaved = "agent-saved"
    case agentInvited = "agent-invited"
    case agentInvitedByHand = "agent-invited-by-hand"
    case agentLinkSent = "agent-link-sent"
    case profileSaved = "profile-saved"
    case notificationSettingsSaved = "notification-settings-saved"
    case replySavedNotEmailed = "reply-saved-not-emailed"
    case passwordChanged = "password-changed"
    case passwordChosen = "password-chosen"
    case notificationsRead = "notifications-read"
    case teamSaved = "team-saved"
    case macroSaved = "macro-saved"
    case macroDeleted = "macro-deleted"
    case mailSaved = "mail-saved"
    case slaSaved = "sla-saved"
    case ruleSaved = "rule-saved"
    case ruleDeleted = "rule-deleted"
    case delayNoticeSent = "delay-notice-sent"
    case delayNoticeDismissed = "delay-notice-dismissed"
    case articleSaved = "article-saved"
    case articlePublished = "article-published"
    case articleUnpublished = "article-unpublished"
    case articleDeleted = "article-deleted"
    case helpCenterSaved = "help-center-saved"
    case signedOut = "signed-out"

    /// Notices that report something the agent should act on, shown as a warning, not a success.
    var isWarning: Bool { self == .agentInvitedByHand || self == .replySavedNotEmailed }

    static func text(for raw: String) -> String? {
        guard let notice = PageNotice(rawValue: raw) else { return nil }
        switch notice {
        case .replySent: return "Your reply was sent."
        case .replySentAndUpdated: return "Your reply was sent. The ticket was updated."
        case .noteAdded: return "Your internal note was added."
        case .noteAddedAndUpdated: return "Your internal note was added. The ticket was updated."
        case .ticketUpdated: return "The ticket was updated."
        case .ticketUpdatedDraftKept:
            return "The ticket was updated. Your draft is still in the composer, not sent yet."
        case .ticketCreated: return "The ticket was created."
        case .callAdded: return "The call was added to this ticket."
        case .bulkUpdated: return "The selected tickets were updated."
        case .bulkPartlyUpdated:
            return "The selected tickets were updated, except closed ones or changes they could not take."
        case .bulkNothingSelected: return "Select one or more tickets first."
        case .customerSaved: return "The customer's details were saved."
        case .organizationSaved: return "The organization was saved."
        case .agentSaved: return "The agent was saved."
        case .agentInvited: return "The invitation was emailed: they choose their password from the link in it."
        case .agentInvitedByHand:
            return "Outgoing mail is not set up, so no email was sent: pass on the link below yourself."
        case .agentLinkSent: return "A link to choose a password was emailed."
        case .profileSaved: return "Your profile was saved."
        case .notificationSettingsSaved: return "Your notification settings were saved."
        case .replySavedNotEmailed:
            return
                "Your reply is on the ticket but was not emailed: the customer has no email address. Call them, or add their address to their profile."
        case .passwordChanged: return "Your password was changed. You are signed out everywhere else."
        case .passwordChosen: return "Your password is set. Welcome!"
        case .notificationsRead: return "All notifications are marked as read."
        case .teamSaved: return "The team was saved."
        case .macroSaved: return "The macro was saved."
        case .macroDeleted: return "The macro was deleted."
        case .mailSaved: return "The mail settings were saved."
        case .slaSaved: return "The SLA settings were saved."
        case .ruleSaved: return "The rule was saved."
        case .ruleDeleted: return "The rule was deleted."
        case .delayNoticeSent: return "The delay notice was sent to the customer."
        case .delayNoticeDismissed: return "The delay notice was dismissed."
        case .articleSaved: return "The draft was saved. Customers see it once it is published."
        case .articlePublished: return "The article is published in the help center."
        case .articleUnpublished: return "The article is no longer in the help center; its draft is kept."
        case .articleDeleted: return "The article was deleted."
        case .helpCenterSaved: return "The help center settings were saved."
        case .signedOut: return "You are signed out."
        }
    }
}

/// Headers for every HTML page: no framing, no sniffing, and a Content-Security-Policy that lets
/// only this server's own scripts and styles run, so injected markup could not execute.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        // A route that set a stricter policy (attachments are sandboxed) keeps it.
        if !response.headers.contains(name: .contentSecurityPolicy) {
            response.headers.replaceOrAdd(name: .contentSecurityPolicy, value: Self.contentSecurityPolicy)
        }
        response.headers.replaceOrAdd(name: .xContentTypeOptions, value: "nosniff")
        response.headers.replaceOrAdd(name: .xFrameOptions, value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        return response
    }
}

/// Dates as the workspace shows them.
enum PageDates {
    static func relative(_ date: Date, now: Date) -> String { RelativeTime.ago(date, now: now) }

    /// "2 Dec 2026, 14:05" in UTC, for tooltips and the timeline.
    static func full(_ date: Date) -> String {
        date.formatted(
            Date.FormatStyle(date: .abbreviated, time: .shortened, timeZone: TimeZone(identifier: "UTC")!).locale(
                Locale(identifier: "en_GB"))) + " UTC"
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
