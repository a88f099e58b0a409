import FluentKit
import Foundation
import Logging
import RapportCore

/// What a workspace tab receives, as JSON text frames (WebSocket) or `data:` lines (SSE).
enum LiveMessage: Encodable, Sendable {
    /// First, after a connection opens: where the log stands and who is here.
    case hello(latest: Int, viewers: [PresenceService.Viewer])
    case event(LiveEvent)
    /// The tab is further behind than the log keeps: it reloads its page.
    case reset(reason: String)
    case ping

    private enum CodingKeys: String, CodingKey {
        case type, latest, viewers, id, kind, data, reason
        case ticketID = "ticket_id"
        case actorAgentID = "actor_agent_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hello(let latest, let viewers):
            try container.encode("hello", forKey: .type)
            try container.encode(latest, forKey: .latest)
            try container.encode(viewers, forKey: .viewers)
        case .event(let event):
            try container.encode("event", forKey: .type)
            try container.encode(event.id, forKey: .id)
            try container.encode(event.kind.rawValue, forKey: .kind)
            try container.encodeIfPresent(event.ticketID, forKey: .ticketID)
            try container.encodeIfPresent(event.actorAgentID, forKey: .actorAgentID)
            try container.encode(event.data, forKey: .data)
        case .reset(let reason):
            try container.encode("reset", forKey: .type)
            try container.encode(reason, forKey: .reason)
        case .ping:
            try container.encode("ping", forKey: .type)
        }
    }

    var json: String {
        if case .event(let event) = self, !event.frame.isEmpty { return event.frame }
        return encoded
    }

    /// The message encoded now (`json` uses an event's frame when it has one).
    var encoded: String {
        String(decoding: (try? LiveMessage.encoder.encode(self)) ?? Data(#"{"type":"ping"}"#.utf8), as: UTF8.self)
    }

    /// The SSE id of an event message, so a reconnecting EventSource sends it back.
    var eventID: Int? {
        if case .event(let event) = self { return event.id }
        return nil
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// One tab following the log: it first gets everything after the id it has (from the hub's
/// memory, or from the log when it is further behind), then each new event as it comes, and
/// only what its agent may see. Nothing is skipped and nothing sent twice, because the tab
/// only ever moves forward by id.
struct LiveFollower: Sendable {
    let hub: LiveHub
    let database: @Sendable () throws -> any Database
    let agentID: Int
    /// Who may see what; asked again every `recheckInterval`, so a changed permission or an
    /// ended session takes effect while connected.
    let access: @Sendable () async throws -> TicketAccess?
    var pingInterval: Duration = .seconds(20)
    var recheckInterval: Duration = .seconds(30)

    static let batchSize = 500

    /// Sends until `send` throws (the connection closed), the session ends, or the task is
    /// cancelled. Returns the last id sent.
    @discardableResult
    func follow(after start: Int, send: @Sendable (LiveMessage) async throws -> Void) async throws -> Int {
        try await hub.start()
        guard var access = try await access() else { return start }
        let wake = WakeSignal()
        let subscription = await hub.subscribe(wake)
        defer { Task { await hub.unsubscribe(subscription) } }
        let clock = ContinuousClock()
        var last = start
        if start > 0, start < (try await EventLog.prunedThrough(on: database())) {
            try await send(.reset(reason: "This page is older than the updates Rapport keeps; it is reloaded."))
            return start
        }
        var lastSent = clock.now
        var lastCheck = clock.now
        while !Task.isCancelled, hub.isRunning {
            let batch: [LiveEvent]
            if let held = await hub.events(after: last, limit: Self.batchSize) {
                batch = held
            } else {
                batch = try await EventLog.read(after: last, limit: Self.batchSize, on: database())
            }
            for event in batch where Self.allows(event, agentID: agentID, access: access) {
                try await send(.event(event))
                lastSent = clock.now
            }
            if let newest = batch.last?.id { last = newest }
            if batch.count == Self.batchSize { continue }

            let now = clock.now
            if now - lastCheck >= recheckInterval {
                guard let current = try await self.access() else { return last }
                access = current
                lastCheck = now
            }
            if now - lastSent >= pingInterval {
                try await send(.ping)
                lastSent = now
            }
            await wake.wait(timeout: pingInterval)
        }
        return last
    }

    /// An agent receives their own notifications, and the events of the tickets they may see.
    static func allows(_ event: LiveEvent, agentID: Int, access: TicketAccess) -> Bool {
        if let audience = event.audienceAgentID { return audience == agentID }
        guard event.ticketID != nil else { return true }
        return access.allows(teamID: event.teamID, assigneeID: event.assigneeID)
    }
}
