import Fluent
import RapportCore
import Vapor

/// `/notifications`: what Rapport told the signed-in agent — escalations, missed targets and
/// delay notices waiting for them — newest first.
struct NotificationPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("notifications", use: list)
        routes.post("notifications", "read", use: markAllRead)
    }

    struct Row: Encodable {
        let text: String
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
        let notifications = try await req.rapport.notifications.recent(agentID: agent.id, on: req.db)
        let rows = notifications.map { notification in
            Row(text: notification.text, ticketID: notification.ticketID, when: RelativeTime.ago(notification.createdAt, now: now),
                isUnread: notification.readAt == nil, kind: notification.kind)
        }
        let context = Context(page: try req.chrome(title: "Notifications", section: "notifications"), rows: rows, hasRows: !rows.isEmpty,
                              hasUnread: rows.contains(where: \.isUnread))
        return try await req.page("notifications", context)
    }

    func markAllRead(req: Request) async throws -> Response {
        try await req.rapport.notifications.markAllRead(agentID: try req.agent.id, on: req.db)
        return req.redirect(to: "/notifications")
    }
}
