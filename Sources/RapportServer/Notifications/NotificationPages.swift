import Fluent
import RapportCore
import Vapor

/// `/notifications`: what Rapport told the signed-in agent — tickets assigned to them, their
/// customers' replies, escalations, missed targets and delay notices — newest first, the events
/// of one ticket's minute as one entry. Each can be marked read, or all at once; opening one
/// marks it read.
struct NotificationPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("notifications", use: list)
        routes.post("notifications", "read", use: markAllRead)
        routes.post("notifications", ":id", "read", use: markRead)
        routes.get("notifications", ":id", "open", use: open)
    }

    struct Row: Encodable {
        let id: Int
        let lines: [String]
        let ticketID: Int?
        let when: String
        let isUnread: Bool
        let kind: String
    }

    struct Context: Encodable {
        let page: PageChrome
        let rows: [Row]
        let hasRows: Bool
        let hasUnread: Bool
    }

    func list(req: Request) async throws -> Response {
        let agent = try req.agent
        let now = req.rapport.clock.now()
        let groups = NotificationGroup.grouping(
            try await req.rapport.notifications.recent(agentID: agent.id, limit: 200, on: req.db)
        ).prefix(100)
        let rows = groups.map { group in
            Row(
                id: group.id, lines: group.lines, ticketID: group.ticketID,
                when: RelativeTime.ago(group.createdAt, now: now), isUnread: group.isUnread, kind: group.kind)
        }
        let context = Context(
            page: try req.chrome(title: "Notifications", section: "notifications"), rows: rows, hasRows: !rows.isEmpty,
            hasUnread: rows.contains(where: \.isUnread))
        return try await req.page("notifications", context)
    }

    func markAllRead(req: Request) async throws -> Response {
        try await req.rapport.notifications.markAllRead(agentID: try req.agent.id, on: req.db)
        return req.redirect(to: "/notifications", notice: .notificationsRead)
    }

    func markRead(req: Request) async throws -> Response {
        try await req.rapport.notifications.markRead(
            try req.idParameter("id", naming: "Notification"), agentID: try req.agent.id, on: req.db)
        return req.redirect(to: "/notifications", redirectType: .normal)
    }

    /// `GET /notifications/:id/open` — to the ticket, marking the notification read on the way.
    func open(req: Request) async throws -> Response {
        let ticketID = try await req.rapport.notifications.markRead(
            try req.idParameter("id", naming: "Notification"), agentID: try req.agent.id, on: req.db)
        return req.redirect(to: ticketID.map { "/tickets/\($0)" } ?? "/notifications", redirectType: .normal)
    }
}
