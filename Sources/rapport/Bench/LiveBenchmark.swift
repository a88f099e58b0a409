import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import RapportCore
import RapportServer
import Vapor

/// `rapport bench live` — how fast and how completely changes reach the workspace tabs: a reply
/// written on one instance arriving at tabs spread over all of them (round robin, no stickiness);
/// a tab whose connection is cut again and again while thousands of events are written; hundreds
/// of tabs on one instance; and, on PostgreSQL, several instances writing at once.
struct LiveBenchmark {
    let access: BenchmarkAccess
    let instances: [ServerUnderTest]
    let client: HTTPClient
    let group: any EventLoopGroup
    let tabs: Int
    let drops: Int
    let events: Int
    /// The ids of the events the benchmark's agent may see, oldest first.
    let latest: @Sendable () async throws -> [Int]

    // MARK: Delivery across instances

    /// Tabs spread over the instances in turn; replies posted on the first instance; the time
    /// from posting to each tab receiving it.
    func delivery(replies: Int, tabCount: Int, openTickets: [Int]) async throws -> (
        all: LatencySummary?, otherInstance: LatencySummary?
    ) {
        var clients: [(tab: BenchTab, onFirst: Bool)] = []
        for index in 0..<tabCount {
            let tab = BenchTab(cookie: access.sessionCookie)
            try await tab.connect(
                port: instances[index % instances.count].port, after: try await latest().last ?? 0, group: group)
            clients.append((tab, index % instances.count == 0))
        }
        var posted: [Int: ContinuousClock.Instant] = [:]
        for index in 0..<replies {
            let started = ContinuousClock.now
            let id = try await postMessage(
                to: instances[0], ticket: openTickets[index % openTickets.count], kind: "reply",
                body: "Delivery check \(index): here is what I can do.")
            posted[id] = started
            try await Task.sleep(for: .milliseconds(40))
        }
        try await Task.sleep(for: .seconds(2))
        var all: [Duration] = []
        var other: [Duration] = []
        for (tab, onFirst) in clients {
            for (messageID, arrived) in tab.messageArrivals() {
                guard let started = posted[messageID] else { continue }
                all.append(arrived - started)
                if !onFirst { other.append(arrived - started) }
            }
            await tab.close()
        }
        return (LatencySummary(all), instances.count > 1 ? LatencySummary(other) : nil)
    }

    // MARK: Cuts

    /// One tab, its connection cut `drops` times (alternately closed properly and abandoned
    /// with frames still on their way), each time reconnecting to the next instance, while
    /// `events` events are written on all of them; then what it received against the log.
    func cuts(openTickets: [Int]) async throws -> (
        received: Int, expected: Int, missing: Int, duplicates: Int, outOfOrder: Int, cuts: Int
    ) {
        let start = try await latest().last ?? 0
        let writers = 4
        let perWriter = (events + writers - 1) / writers
        let finished = NIOLockedValueBox(false)
        let writing = Task {
            defer { finished.withLockedValue { $0 = true } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<perWriter {
                            let instance = instances[(writer + index) % instances.count]
                            _ = try await postMessage(
                                to: instance, ticket: openTickets[(writer * perWriter + index) % openTickets.count],
                                kind: index % 4 == 0 ? "note" : "reply", body: "Event \(writer)-\(index)")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var received: [Int] = []
        var cutCount = 0
        var after = start
        while cutCount < drops || !finished.withLockedValue({ $0 }) {
            let tab = BenchTab(cookie: access.sessionCookie)
            do {
                try await tab.connect(port: instances[cutCount % instances.count].port, after: after, group: group)
            } catch {
                try await Task.sleep(for: .milliseconds(20))
                continue
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 3...30)))
            let ids = cutCount % 2 == 0 ? tab.stopAndTakeEventIDs() : await tab.closeAndTakeEventIDs()
            cutCount += 1
            received += ids
            after = ids.last ?? after
            if cutCount > drops * 20 { break }  // the writer is stuck: stop rather than loop for ever
        }
        try await writing.value
        let expected = try await latest().filter { $0 > start }
        let final = BenchTab(cookie: access.sessionCookie)
        try await final.connect(port: instances[0].port, after: after, group: group)
        let deadline = ContinuousClock.now + .seconds(30)
        while (final.lastEventID ?? after) < (expected.last ?? start), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        received += final.stopAndTakeEventIDs()
        let expectedSet = Set(expected)
        let receivedSet = Set(received)
        var outOfOrder = 0
        for index in received.indices.dropFirst() where received[index] <= received[index - 1] { outOfOrder += 1 }
        return (
            received.count, expected.count, expectedSet.subtracting(receivedSet).count,
            received.count - receivedSet.count, outOfOrder, cutCount
        )
    }

    // MARK: Many tabs

    /// `tabs` tabs on the first instance, one change a second for `seconds`: how long each tab
    /// waits for each change.
    func manyTabs(seconds: Int, openTickets: [Int]) async throws -> LatencySummary {
        let server = instances[0]
        var connected: [BenchTab] = []
        for _ in 0..<tabs {
            let tab = BenchTab(cookie: access.sessionCookie)
            try await tab.connect(port: server.port, after: try await latest().last ?? 0, group: group)
            connected.append(tab)
        }
        var posted: [Int: ContinuousClock.Instant] = [:]
        for index in 0..<seconds {
            let started = ContinuousClock.now
            let id = try await postMessage(
                to: server, ticket: openTickets[index % openTickets.count], kind: "note", body: "Change \(index)")
            posted[id] = started
            try await Task.sleep(until: started + .seconds(1))
        }
        try await Task.sleep(for: .seconds(2))
        var waits: [Duration] = []
        for tab in connected {
            for (messageID, arrived) in tab.messageArrivals() {
                if let started = posted[messageID] { waits.append(arrived - started) }
            }
            await tab.close()
        }
        return LatencySummary(waits) ?? LatencySummary([.zero])!
    }

    /// Creates per second at 8 clients on one instance, with `tabs` tabs connected or none.
    func createRate(withTabs: Bool, requests: Int) async throws -> (perSecond: Double, latency: LatencySummary?) {
        let server = instances[0]
        var connected: [BenchTab] = []
        if withTabs {
            for _ in 0..<tabs {
                let tab = BenchTab(cookie: access.sessionCookie)
                try await tab.connect(port: server.port, after: try await latest().last ?? 0, group: group)
                connected.append(tab)
            }
        }
        let result = try await creates(on: [server], requests: requests, clients: 8)
        for tab in connected { await tab.close() }
        return result
    }

    /// `requests` creates spread over `servers`, `clients` at a time per server.
    func creates(on servers: [ServerUnderTest], requests: Int, clients: Int) async throws -> (
        perSecond: Double, latency: LatencySummary?
    ) {
        let counter = NIOLockedValueBox(0)
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for server in servers {
                for _ in 0..<clients {
                    group.addTask {
                        var mine: [Duration] = []
                        while true {
                            let index = counter.withLockedValue { value -> Int in
                                defer { value += 1 }
                                return value
                            }
                            guard index < requests * servers.count else { return mine }
                            let begun = ContinuousClock.now
                            try await createTicket(on: server, index: index)
                            mine.append(ContinuousClock.now - begun)
                        }
                    }
                }
            }
            return try await group.reduce(into: [Duration]()) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - started
        return (Double(latencies.count) / max(elapsed.inSeconds, 0.001), LatencySummary(latencies))
    }

    // MARK: Requests

    private func postMessage(to server: ServerUnderTest, ticket: Int, kind: String, body: String) async throws -> Int {
        var request = HTTPClientRequest(url: server.baseURL + "/api/v1/tickets/\(ticket)/messages")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(access.apiToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: ["kind": kind, "body": body]))))
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created,
            let object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any],
            let id = object["id"] as? Int
        else {
            throw RapportMessageError("posting to ticket #\(ticket) failed: \(response.status)")
        }
        return id
    }

    private func createTicket(on server: ServerUnderTest, index: Int) async throws {
        var request = HTTPClientRequest(url: server.baseURL + "/api/v1/tickets")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(access.apiToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        let payload: [String: Any] = [
            "subject": "Live bench \(index)", "requester": ["email": "live.\(index)@bench.example"],
            "message": ["body": "A question about my order \(index)."], "channel": "api",
        ]
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: payload))))
        let response = try await client.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .created else {
            throw RapportMessageError("creating a ticket failed: \(response.status)")
        }
    }
}

/// One workspace tab in the benchmark: a WebSocket to `/live`, noting when each event arrived.
final class BenchTab: Sendable {
    private struct State {
        var socket: WebSocket?
        var eventIDs: [Int] = []
        var arrivals: [(messageID: Int, at: ContinuousClock.Instant)] = []
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())
    private let cookie: String
    private let tab = "bench" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()

    init(cookie: String) { self.cookie = cookie }

    func connect(port: Int, after: Int, group: any EventLoopGroup) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Cookie", value: cookie)
        headers.add(name: "Origin", value: "http://127.0.0.1")
        let state = self.state
        let url = "ws://127.0.0.1:\(port)/live?tab=\(tab)&after=\(after)"
        let connecting: EventLoopFuture<Void> = WebSocket.connect(to: url, headers: headers, on: group) { socket in
            state.withLockedValue { $0.socket = socket }
            socket.onText { _, text in
                let now = ContinuousClock.now
                guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                    object["type"] as? String == "event",
                    let id = object["id"] as? Int
                else { return }
                let messageID =
                    object["kind"] as? String == "message.added"
                    ? (object["data"] as? [String: Any])?["message_id"] as? Int : nil
                state.withLockedValue { state in
                    guard !state.stopped else { return }
                    state.eventIDs.append(id)
                    if let messageID { state.arrivals.append((messageID, now)) }
                }
            }
        }
        try await connecting.get()
    }

    var lastEventID: Int? { state.withLockedValue { $0.eventIDs.last } }

    func messageArrivals() -> [(messageID: Int, at: ContinuousClock.Instant)] { state.withLockedValue { $0.arrivals } }

    /// Stops counting (what arrives later was lost with the connection) and returns the ids.
    func stopAndTakeEventIDs() -> [Int] {
        state.withLockedValue { state in
            state.stopped = true
            state.socket?.close(promise: nil)
            return state.eventIDs
        }
    }

    /// Closes properly (the close handshake) and returns what arrived before it.
    func closeAndTakeEventIDs() async -> [Int] {
        await close()
        return state.withLockedValue { state in
            state.stopped = true
            return state.eventIDs
        }
    }

    func close() async {
        let socket = state.withLockedValue { $0.socket }
        try? await socket?.close().get()
    }
}
