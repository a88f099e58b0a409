import Fluent
import FluentKit
import Foundation
import NIOConcurrencyHelpers
import NIOWebSocket
import RapportCore
import Vapor

/// `/live` — the connection each workspace tab keeps open: a WebSocket, or Server-Sent Events at
/// `/live/stream` where a proxy refuses the upgrade. Both are signed in by the session cookie,
/// checked against the page's origin, resume after the last event id the tab has, and carry only
/// what the agent may see. `POST /live/presence` is how an SSE tab says it started writing.
struct LiveRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("live", use: socket)
        routes.get("live", "stream", use: stream)
        routes.post("live", "presence", use: presence)
    }

    /// Browsers always send `Origin` with a WebSocket handshake; another site's page must not
    /// open one with this agent's cookie.
    static func checkOrigin(_ req: Request, required: Bool) throws {
        if required, req.headers.first(name: .origin) == nil {
            throw RapportError(.forbidden, code: "origin", reason: "A live connection needs an Origin header.")
        }
        do { try CSRFProtectionMiddleware.checkOrigin(req) } catch {
            throw RapportError(
                .forbidden, code: "origin", reason: "A live connection must come from this server's pages.")
        }
    }

    // MARK: WebSocket

    /// `GET /live` — checked like any request first (a refusal is a plain 4xx the browser can
    /// see), then upgraded.
    func socket(req: Request) async throws -> Response {
        try Self.checkOrigin(req, required: true)
        let tab = try await LiveTab(req)
        guard req.headers.first(name: .upgrade)?.lowercased() == "websocket" else {
            throw RapportError.badRequest(
                "Open /live as a WebSocket, or use /live/stream for Server-Sent Events.", code: "not_websocket")
        }
        return req.webSocket(maxFrameSize: .init(integerLiteral: 16 * 1024)) { req, socket in
            Task { await LiveRoutes.serve(socket, tab: tab, for: req) }
        }
    }

    private static func serve(_ socket: WebSocket, tab: LiveTab, for req: Request) async {
        let session = LiveSession(tab: tab, req: req)
        socket.onText { _, text in await session.received(text) }
        let task = Task {
            try await session.run(after: tab.after) { message in try await socket.send(message.json) }
        }
        socket.onClose.whenComplete { _ in task.cancel() }
        _ = await task.result
        await session.end()
        try? await socket.close()
    }

    // MARK: Server-Sent Events

    func stream(req: Request) async throws -> Response {
        try Self.checkOrigin(req, required: false)
        var tab = try await LiveTab(req)
        // A reconnecting EventSource sends the last id it saw; it wins over the page's.
        if let lastID = req.headers.first(name: "Last-Event-ID").flatMap(Int.init), lastID >= 0 { tab.after = lastID }
        let session = LiveSession(tab: tab, req: req)
        let start = tab.after
        let response = Response(
            status: .ok,
            body: .init(managedAsyncStream: { writer in
                defer { Task { await session.end() } }
                try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\n\n")))
                // A closed EventSource is noticed only when a write fails, so an SSE tab is pinged
                // often enough for its presence to go within seconds of the tab closing.
                try await session.run(after: start, pingInterval: .seconds(4)) { message in
                    var frame = ""
                    if let id = message.eventID { frame += "id: \(id)\n" }
                    frame += "data: \(message.json)\n\n"
                    try await writer.write(.buffer(ByteBuffer(string: frame)))
                }
            }))
        response.headers.replaceOrAdd(name: .contentType, value: "text/event-stream; charset=utf-8")
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        response.headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return response
    }

    struct PresenceInput: Content {
        var tab: String
        var ticket: Int?
        var state: String
    }

    /// `POST /live/presence` — what an SSE tab is doing (a WebSocket tab says it on its socket).
    func presence(req: Request) async throws -> HTTPStatus {
        let input = try req.content.decode(PresenceInput.self)
        guard let state = PresenceService.State(rawValue: input.state), LiveTab.isValidID(input.tab) else {
            throw RapportError.invalid([
                "state": "must be viewing, replying or noting", "tab": "must be the page's tab id",
            ])
        }
        if let ticket = input.ticket { try await req.requireTicketAccess(ticket) }
        let agent = try req.agent
        try await req.rapport.presence.update(
            tab: LiveTab.rowKey(agentID: agent.id, tab: input.tab), agentID: agent.id, agentName: agent.name,
            ticketID: input.ticket, state: state, on: req.db)
        return .noContent
    }
}

/// Who is connecting, from where, and from which event on.
struct LiveTab: Sendable {
    let agentID: Int
    let agentName: String
    /// The presence row's key: the agent's id and the page's random tab id.
    let key: String
    let ticketID: Int?
    var after: Int

    init(_ req: Request) async throws {
        let agent = try req.agent
        let tab = req.queryString("tab") ?? ""
        guard Self.isValidID(tab) else {
            throw RapportError.invalid(["tab": "must be 8 to 64 letters, digits, '-' or '_'"])
        }
        var problems = FieldErrors()
        let ticket = req.queryInt("ticket", into: &problems)
        var after = 0
        if let raw = req.queryString("after") {
            if let value = Int(raw), value >= 0 {
                after = value
            } else {
                problems.add("after", "must be the id of the last event the page has, 0 or more")
            }
        }
        try problems.throwIfAny()
        if let ticket { try await req.requireTicketAccess(ticket) }
        agentID = agent.id
        agentName = agent.name
        key = Self.rowKey(agentID: agent.id, tab: tab)
        ticketID = ticket
        self.after = after
    }

    static func isValidID(_ tab: String) -> Bool {
        (8...64).contains(tab.count)
            && tab.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// Scoped by agent, so no one can move or end another agent's row by guessing a tab id.
    static func rowKey(agentID: Int, tab: String) -> String { "\(agentID):\(tab)" }
}

/// One connected tab: its presence, what it may see, and the events it is sent.
final class LiveSession: Sendable {
    let tab: LiveTab
    private let services: RapportServices
    private let database: @Sendable () throws -> any Database
    private let hub: LiveHub
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var presence: PresenceService.State = .viewing
        var changes: [Date] = []
        var ended = false
    }

    init(tab: LiveTab, req: Request) {
        self.tab = tab
        services = req.rapport
        let hub = req.application.live
        self.hub = hub
        database = { try hub.database() }
        logger = req.logger
    }

    /// Says where the tab is, sends the hello and then every event after `after` it may see.
    func run(
        after: Int, pingInterval: Duration = .seconds(20), send: @escaping @Sendable (LiveMessage) async throws -> Void
    ) async throws {
        await hub.connected(tab: tab.key)
        try await services.presence.update(
            tab: tab.key, agentID: tab.agentID, agentName: tab.agentName, ticketID: tab.ticketID, state: .viewing,
            on: database())
        let access = try await currentAccess()
        guard let access else { return }
        try await send(.hello(latest: try await hub.cursor(), viewers: try await visibleViewers(access)))
        let agentID = tab.agentID
        var follower = LiveFollower(
            hub: hub, database: database, agentID: agentID, access: { [weak self] in try await self?.currentAccess() })
        follower.pingInterval = pingInterval
        try await follower.follow(after: after, send: send)
    }

    /// What the agent may see now; nil once they were deactivated.
    private func currentAccess() async throws -> TicketAccess? {
        let directory = try await services.configuration.current(on: database()).directory
        guard let person = directory.agents.first(where: { $0.id == tab.agentID }), person.isActive else { return nil }
        return directory.access(ofAgent: tab.agentID)
    }

    private func visibleViewers(_ access: TicketAccess) async throws -> [PresenceService.Viewer] {
        let directory = try await services.configuration.current(on: database()).directory
        let viewers = try await services.presence.viewers(directory: directory, on: database())
        guard access.isRestricted else { return viewers }
        let owners = try await TicketOwner.load(ids: Array(Set(viewers.compactMap(\.ticketID))), on: database())
        return viewers.filter { viewer in
            guard let ticket = viewer.ticketID, let owner = owners[ticket] else { return false }
            return access.allows(teamID: owner.teamID, assigneeID: owner.assigneeID)
        }
    }

    /// A message from the tab: `{"type":"presence","state":"replying"}`. Unknown or too
    /// frequent messages are ignored.
    func received(_ text: String) async {
        struct Incoming: Decodable {
            let type: String
            let state: String?
        }
        guard text.utf8.count <= 1_024, let incoming = try? JSONDecoder().decode(Incoming.self, from: Data(text.utf8)),
            incoming.type == "presence",
            let wanted = incoming.state.flatMap(PresenceService.State.init(rawValue:))
        else { return }
        let now = Date()
        let accepted = state.withLockedValue { state -> Bool in
            state.changes = state.changes.filter { now.timeIntervalSince($0) < 60 }
            guard !state.ended, state.presence != wanted, state.changes.count < PresenceService.changesPerMinute else {
                return false
            }
            state.presence = wanted
            state.changes.append(now)
            return true
        }
        guard accepted else { return }
        do {
            try await services.presence.update(
                tab: tab.key, agentID: tab.agentID, agentName: tab.agentName, ticketID: tab.ticketID, state: wanted,
                on: database())
        } catch {
            logger.warning("live presence update failed: \(error)")
        }
    }

    /// The tab went: its presence row goes with it.
    func end() async {
        let first = state.withLockedValue { state -> Bool in
            defer { state.ended = true }
            return !state.ended
        }
        guard first else { return }
        await hub.disconnected(tab: tab.key)
        try? await services.presence.leave(tab: tab.key, agentName: tab.agentName, on: database())
    }
}
