import Foundation
import NIOConcurrencyHelpers
import RapportCore
import Vapor

@testable import RapportServer

/// A workspace tab's live connection, as a test sees it: a real WebSocket to a server on
/// loopback, signed in with a session cookie, collecting what it receives.
final class LiveClient: Sendable {
    struct Received: Sendable {
        let type: String
        let id: Int?
        let kind: String?
        let ticketID: Int?
        let actorAgentID: Int?
        let state: String?
        let fields: [String]
        let viewers: [(agentID: Int, ticketID: Int?, state: String)]
    }

    private let messages = NIOLockedValueBox<[Received]>([])
    private let socket = NIOLockedValueBox<WebSocket?>(nil)
    private let dropped = NIOLockedValueBox(false)
    let tab: String

    init(tab: String = "tab" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()) {
        self.tab = tab
    }

    /// Opens `/live` on `port` as the agent whose session cookie is given.
    func connect(
        port: Int, cookie: String, after: Int, ticket: Int? = nil, origin: String? = nil, on group: any EventLoopGroup
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: .cookie, value: cookie)
        // The client library sends `Host: 127.0.0.1` without the port, so a matching Origin has none.
        headers.add(name: .origin, value: origin ?? "http://127.0.0.1")
        var url = "ws://127.0.0.1:\(port)/live?tab=\(tab)&after=\(after)"
        if let ticket { url += "&ticket=\(ticket)" }
        let connecting: EventLoopFuture<Void> = WebSocket.connect(to: url, headers: headers, on: group) {
            [messages, socket, dropped] ws in
            socket.withLockedValue { $0 = ws }
            ws.onText { _, text in
                guard !dropped.withLockedValue({ $0 }), let received = LiveClient.parse(text) else { return }
                messages.withLockedValue { $0.append(received) }
            }
        }
        // A handshake that is never answered fails the test instead of hanging it.
        let timeout = group.any().scheduleTask(in: .seconds(30)) {}
        let target = url
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await connecting.get() }
            tasks.addTask {
                try await timeout.futureResult.get()
                throw RapportMessageError("the live connection did not open within 30 s (\(target))")
            }
            try await tasks.next()
            timeout.cancel()
            tasks.cancelAll()
        }
    }

    func send(_ text: String) async throws {
        guard let ws = socket.withLockedValue({ $0 }) else {
            throw RapportMessageError("the live client is not connected")
        }
        try await ws.send(text)
    }

    /// Closes from the client's side.
    func close() async {
        guard
            let ws = socket.withLockedValue({ value -> WebSocket? in
                defer { value = nil }
                return value
            })
        else { return }
        try? await ws.close().get()
    }

    /// The connection is lost: whatever is still on its way is never seen, as on a network that
    /// went away.
    func drop() {
        dropped.withLockedValue { $0 = true }
        guard
            let ws = socket.withLockedValue({ value -> WebSocket? in
                defer { value = nil }
                return value
            })
        else { return }
        ws.close(code: .unexpectedServerError, promise: nil)
    }

    var received: [Received] { messages.withLockedValue { $0 } }
    var events: [Received] { received.filter { $0.type == "event" } }
    var lastEventID: Int? { events.last?.id }
    var isClosed: Bool { socket.withLockedValue { $0?.isClosed ?? true } }

    func waitFor(_ what: String, within seconds: Double = 30, _ condition: @escaping ([Received]) -> Bool) async throws
    {
        try await eventually(what, within: seconds) { condition(self.received) }
    }

    private static func parse(_ text: String) -> Received? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let type = object["type"] as? String
        else { return nil }
        let data = object["data"] as? [String: Any] ?? [:]
        let viewers = (object["viewers"] as? [[String: Any]] ?? []).compactMap { viewer -> (Int, Int?, String)? in
            guard let agent = viewer["agent_id"] as? Int, let state = viewer["state"] as? String else { return nil }
            return (agent, viewer["ticket_id"] as? Int, state)
        }
        return Received(
            type: type, id: object["id"] as? Int, kind: object["kind"] as? String,
            ticketID: object["ticket_id"] as? Int,
            actorAgentID: object["actor_agent_id"] as? Int, state: data["state"] as? String,
            fields: data["fields"] as? [String] ?? [],
            viewers: viewers)
    }
}

extension WebClient {
    /// The `Cookie` header of this signed-in client, for connections outside the test client.
    var cookieHeader: String { cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
}
