import Fluent
import Foundation
import RapportCore
import SQLKit
import Testing
import Vapor

@testable import RapportServer

/// The event log and the live connections every workspace tab keeps: nothing missed after a
/// reconnect, nothing an agent may not see, presence that comes and goes, and instances on one
/// PostgreSQL that behave as one.
@Suite("Live updates")
struct LiveTests {
    @Test(
        "a tab that drops its connection again and again receives every event after the one it had, once and in order",
        arguments: TestDatabase.allCases)
    func replayAfterReconnect(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let number = try await context.ticket(token: agent.token)
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            try await Self.withServer(app) { port in
                let start = try await EventLog.latestID(on: app.db)

                let writer = Task {
                    for index in 0..<45 {
                        let kind = index % 3 == 0 ? "note" : "reply"
                        try await context.api(
                            .POST, "tickets/\(number)/messages", token: agent.token,
                            json: ["kind": kind, "body": "Update \(index): here is what I can do."])
                        if index % 5 == 0 {
                            try await context.api(
                                .PATCH, "tickets/\(number)", token: agent.token, json: ["add_tags": ["step-\(index)"]])
                        }
                    }
                }
                var seen: [Int] = []
                var after = start
                for round in 0..<10 {
                    let client = LiveClient()
                    try await client.connect(port: port, cookie: web.cookieHeader, after: after, on: app.eventLoopGroup)
                    try await Task.sleep(for: .milliseconds(Int.random(in: 40...250)))
                    // Half the time the network just goes; half the time the tab closes properly.
                    if round % 2 == 0 { client.drop() } else { await client.close() }
                    let ids = client.events.compactMap(\.id)
                    seen += ids
                    after = ids.last ?? after
                }
                try await writer.value
                let latest = try await EventLog.latestID(on: app.db)
                let last = LiveClient()
                let resumeFrom = after
                try await last.connect(port: port, cookie: web.cookieHeader, after: resumeFrom, on: app.eventLoopGroup)
                try await last.waitFor("the last connection to catch up") { received in
                    resumeFrom == latest || received.last(where: { $0.type == "event" })?.id == latest
                }
                seen += last.events.compactMap(\.id)
                await last.close()

                let expected = try await Self.eventIDs(after: start, through: latest, on: app.db)
                #expect(expected.count >= 54, "replies, notes and tag changes are all in the log (\(expected.count))")
                #expect(
                    seen == expected,
                    "missing: \(Set(expected).subtracting(seen).sorted().prefix(10)); twice: \(Self.duplicates(seen).prefix(10))"
                )
            }
        }
    }

    @Test(
        "an agent who works only their team's tickets receives nothing of another team's ticket, and cannot open, list or find it",
        arguments: TestDatabase.allCases)
    func perEventAuthorization(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let admin = try await context.admin()
            let billing = try #require(
                try await context.api(.POST, "teams", token: admin.token, json: ["name": "Billing"]).object["id"]
                    as? Int)
            let support = try #require(
                try await context.api(.POST, "teams", token: admin.token, json: ["name": "Support"]).object["id"]
                    as? Int)
            let dana = try await context.agent(name: "Dana Scully", email: "dana@desk.example")
            try await context.api(.PUT, "teams/\(support)/members/\(dana.id)", token: admin.token)
            let narrowed = try await context.api(
                .PATCH, "agents/\(dana.id)", token: admin.token, json: ["ticket_access": "teams"])
            #expect(narrowed.status == .ok)
            #expect(narrowed.object["ticket_access"] as? String == "teams")
            let hidden = try await context.ticket(
                token: admin.token, subject: "Invoice dispute quarterly", email: "ivy@example.com",
                extra: ["team_id": billing])
            let visible = try await context.ticket(
                token: admin.token, subject: "Router keeps rebooting", email: "rob@example.com",
                extra: ["team_id": support])

            let web = WebClient(app: app)
            try await web.signIn(email: "dana@desk.example")
            #expect(try await web.get("/tickets/\(hidden)").status == .notFound)
            #expect(try await web.get("/tickets/\(visible)").status == .ok)
            let inbox = try await web.get("/inbox?view=open")
            #expect(inbox.body.contains("Router keeps rebooting"))
            #expect(!inbox.body.contains("Invoice dispute quarterly"))
            #expect(try await context.api(.GET, "tickets/\(hidden)", token: dana.token).status == .notFound)
            let listed = try await context.api(.GET, "tickets", token: dana.token)
            let numbers = (listed.object["tickets"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
            #expect(numbers.contains(visible) && !numbers.contains(hidden))
            let found = try await context.api(.GET, "search?q=invoice", token: dana.token)
            #expect(!found.text.contains("Invoice dispute"), "search finds nothing Dana may not see")
            #expect(
                try await context.api(
                    .POST, "tickets/\(hidden)/messages", token: dana.token, json: ["kind": "note", "body": "Peeking."]
                ).status == .notFound)

            try await Self.withServer(app) { port in
                let tab = LiveClient()
                try await tab.connect(
                    port: port, cookie: web.cookieHeader, after: try await EventLog.latestID(on: app.db),
                    on: app.eventLoopGroup)
                try await context.api(
                    .POST, "tickets/\(hidden)/messages", token: admin.token,
                    json: ["kind": "reply", "body": "We are checking the invoice."])
                try await context.api(
                    .PATCH, "tickets/\(hidden)", token: admin.token,
                    json: ["priority": "high", "assignee_id": admin.id])
                try await context.api(
                    .POST, "tickets/\(visible)/messages", token: admin.token,
                    json: ["kind": "note", "body": "Firmware 2.1 fixes this."])
                try await tab.waitFor("the visible ticket's note") {
                    $0.contains { $0.kind == "message.added" && $0.ticketID == visible }
                }
                #expect(!tab.events.contains { $0.ticketID == hidden }, "nothing of the other team's ticket")
                #expect(
                    !tab.events.contains { $0.kind == "notification" }, "the admin's notifications are theirs alone")

                // Moved to Dana's team, the ticket is hers to see from then on.
                try await context.api(.PATCH, "tickets/\(hidden)", token: admin.token, json: ["team_id": support])
                try await tab.waitFor("the moved ticket's change") {
                    $0.contains { $0.kind == "ticket.updated" && $0.ticketID == hidden && $0.fields.contains("team") }
                }
                #expect(try await web.get("/tickets/\(hidden)").status == .ok)
                await tab.close()
            }
        }
    }

    @Test(
        "presence: a colleague on the same ticket appears, is seen writing, and is gone when their tab closes or stops answering",
        arguments: TestDatabase.allCases)
    func presenceAppearsAndExpires(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let ada = try await context.agent(name: "Ada Lovelace", email: "ada@desk.example")
            _ = try await context.agent(name: "Ben Franklin", email: "ben@desk.example")
            let number = try await context.ticket(token: ada.token)
            let adaWeb = WebClient(app: app)
            let benWeb = WebClient(app: app)
            try await adaWeb.signIn(email: "ada@desk.example")
            try await benWeb.signIn(email: "ben@desk.example")
            try await Self.withServer(app) { port in

                let adaTab = LiveClient()
                try await adaTab.connect(
                    port: port, cookie: adaWeb.cookieHeader, after: 0, ticket: number, on: app.eventLoopGroup)
                try await adaTab.waitFor("Ada's hello") { $0.contains { $0.type == "hello" } }
                let benTab = LiveClient()
                try await benTab.connect(
                    port: port, cookie: benWeb.cookieHeader, after: try await EventLog.latestID(on: app.db),
                    ticket: number, on: app.eventLoopGroup)
                try await benTab.waitFor("Ben's hello naming Ada") { received in
                    received.contains {
                        $0.type == "hello" && $0.viewers.contains { $0.agentID == ada.id && $0.ticketID == number }
                    }
                }
                try await adaTab.waitFor("Ben arriving, for Ada") {
                    $0.contains { $0.kind == "presence" && $0.state == "viewing" && $0.actorAgentID != ada.id }
                }

                try await adaTab.send(#"{"type":"presence","state":"replying"}"#)
                try await benTab.waitFor("Ada writing a reply") {
                    $0.contains { $0.kind == "presence" && $0.actorAgentID == ada.id && $0.state == "replying" }
                }

                // A second tab of Ada's on the ticket closing does not make her leave: she is still
                // writing in the first.
                let secondTab = LiveClient()
                try await secondTab.connect(
                    port: port, cookie: adaWeb.cookieHeader, after: 0, ticket: number, on: app.eventLoopGroup)
                try await secondTab.waitFor("the second tab's hello") { $0.contains { $0.type == "hello" } }
                let beforeSecond = benTab.received.count
                await secondTab.close()
                try await benTab.waitFor("Ada's presence after her second tab closed") { received in
                    received.dropFirst(beforeSecond).contains { $0.kind == "presence" && $0.actorAgentID == ada.id }
                }
                let afterSecond = benTab.received.dropFirst(beforeSecond).last {
                    $0.kind == "presence" && $0.actorAgentID == ada.id
                }
                #expect(afterSecond?.state == "replying", "one tab of two closed: Ada is still there, writing")

                await adaTab.close()
                try await benTab.waitFor(
                    "Ada leaving when her tab closes", within: 30
                ) {
                    $0.contains { $0.kind == "presence" && $0.actorAgentID == ada.id && $0.state == "left" }
                }

                // A tab on an instance that died: its row stops being refreshed and is swept.
                try await app.db.sql.raw(
                    """
                    INSERT INTO presence (tab, agent_id, ticket_id, state, expires_at) VALUES
                    ('\(unsafeRaw: "\(ada.id)"):lost-tab-0001', \(bind: ada.id), \(bind: number), 'noting', \(bind: context.clock.now().addingTimeInterval(-1)))
                    """
                ).run()
                let before = benTab.events.filter { $0.kind == "presence" && $0.state == "left" }.count
                try await benTab.waitFor("the lost tab to be swept", within: 30) { received in
                    received.filter { $0.kind == "presence" && $0.state == "left" && $0.actorAgentID == ada.id }.count
                        > before
                }
                let rows = try await app.db.sql.raw(
                    "SELECT COUNT(*) AS \"count\" FROM presence WHERE agent_id = \(bind: ada.id)"
                ).first()?.decode(column: "count", as: Int.self)
                #expect(rows == 0)
                await benTab.close()
            }
        }
    }

    @Test("two instances on one PostgreSQL share the contact-form limit and count a help-center vote once")
    func instancesShareLimits() async throws {
        try await withApp(.postgres) { app, context in
            let other = try await Self.secondInstance(of: app)
            do {
                let visitor = "203.0.113.\(Int.random(in: 1...250))"
                let attempts = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<20 {
                        let instance = index % 2 == 0 ? app : other
                        group.addTask {
                            try await instance.rapport.sharedLimits.allow(
                                "contact", from: visitor, limit: 5, per: 600, on: instance.db)
                        }
                    }
                    return try await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(attempts.filter { $0 }.count == 5, "five requests in ten minutes in all, not five per instance")
                #expect(
                    try await app.rapport.sharedLimits.allow(
                        "vote-reset-password", from: "visitor-1", limit: 1, per: 86_400, on: app.db))
                #expect(
                    try await !other.rapport.sharedLimits.allow(
                        "vote-reset-password", from: "visitor-1", limit: 1, per: 86_400, on: other.db))
                // When the window has passed the visitor may write again, on either instance.
                context.clock.advance(by: 601)
                #expect(
                    try await other.rapport.sharedLimits.allow(
                        "contact", from: visitor, limit: 5, per: 600, on: other.db))
                try await other.asyncShutdown()
            } catch {
                try? await other.asyncShutdown()
                throw error
            }
        }
    }

    @Test(
        "a reply written on one instance reaches a tab on another; when that instance dies its tabs reconnect to the other and miss nothing"
    )
    func failoverBetweenInstances() async throws {
        try await withApp(.postgres) { app, context in
            let agent = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let number = try await context.ticket(token: agent.token)
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            let other = try await Self.secondInstance(of: app)
            do {
                let portA = try await Self.serve(app)
                let portB = try await Self.serve(other)
                _ = portA
                let start = try await EventLog.latestID(on: app.db)
                let tab = LiveClient()
                try await tab.connect(port: portB, cookie: web.cookieHeader, after: start, on: app.eventLoopGroup)
                try await context.api(
                    .POST, "tickets/\(number)/messages", token: agent.token,
                    json: ["kind": "reply", "body": "Written on A."])
                try await tab.waitFor("A's reply on B", within: 30) {
                    $0.contains { $0.kind == "message.added" && $0.ticketID == number }
                }

                let writer = Task {
                    for index in 0..<30 {
                        try await context.api(
                            .POST, "tickets/\(number)/messages", token: agent.token,
                            json: ["kind": "note", "body": "Note \(index)"])
                    }
                }
                try await Task.sleep(for: .milliseconds(150))
                // Instance B dies: its connections go at once, and nothing of it is left running.
                tab.drop()
                let seen = tab.events.compactMap(\.id)
                await other.server.shutdown()
                try await other.asyncShutdown()
                let resumed = LiveClient(tab: tab.tab)
                try await resumed.connect(
                    port: portA, cookie: web.cookieHeader, after: seen.last ?? start, on: app.eventLoopGroup)
                try await writer.value
                let latest = try await EventLog.latestID(on: app.db)
                try await resumed.waitFor("the tab to catch up on A") { received in
                    (seen.last ?? start) == latest || received.last(where: { $0.type == "event" })?.id == latest
                }
                let all = seen + resumed.events.compactMap(\.id)
                #expect(all == (try await Self.eventIDs(after: start, through: latest, on: app.db)))
                #expect(
                    seen.count < all.count,
                    "the tab was cut off before the writing ended (\(seen.count) of \(all.count))")
                await resumed.close()
                await app.server.shutdown()
            } catch {
                await app.server.shutdown()
                try? await other.asyncShutdown()
                throw error
            }
        }
    }

    @Test(
        "a live connection from another site's page, or without a session, is refused; one from the workspace opens",
        arguments: [TestDatabase.sqlite])
    func foreignOriginRefused(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            _ = try await context.agent(name: "Grace Hopper", email: "grace@desk.example")
            let web = WebClient(app: app)
            try await web.signIn(email: "grace@desk.example")
            func handshake(origin: String?, cookie: String) async throws -> HTTPResponseStatus {
                var headers: HTTPHeaders = [
                    "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Cookie": cookie, "Host": "127.0.0.1:8080",
                ]
                if let origin { headers.add(name: .origin, value: origin) }
                return try await app.testing().sendRequest(.GET, "/live?tab=abcdefgh12&after=0", headers: headers)
                    .status
            }
            #expect(try await handshake(origin: "https://evil.example", cookie: web.cookieHeader) == .forbidden)
            #expect(
                try await handshake(origin: nil, cookie: web.cookieHeader) == .forbidden,
                "a WebSocket handshake always carries Origin")
            #expect(
                try await handshake(origin: "http://127.0.0.1:8080", cookie: "rapport_session=forged")
                    != .switchingProtocols)
            let stream = try await app.testing().sendRequest(
                .GET, "/live/stream?tab=abcdefgh12&after=0",
                headers: [
                    "Origin": "https://evil.example", "Cookie": web.cookieHeader,
                    "Host": "127.0.0.1:8080",
                ])
            #expect(stream.status == .forbidden)
            try await Self.withServer(app) { port in
                let tab = LiveClient()
                try await tab.connect(port: port, cookie: web.cookieHeader, after: 0, on: app.eventLoopGroup)
                try await tab.waitFor("the hello") { $0.contains { $0.type == "hello" } }
                await tab.close()
            }
        }
    }

    // MARK: Helpers

    static func serve(_ app: Application) async throws -> Int {
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = app.http.server.shared.localAddress?.port else {
            throw RapportMessageError("the test server has no port")
        }
        return port
    }

    /// Serves `app` on a loopback port for the body, and stops serving whatever happens.
    static func withServer(_ app: Application, _ body: (Int) async throws -> Void) async throws {
        let port = try await serve(app)
        do {
            try await body(port)
            await app.server.shutdown()
        } catch {
            await app.server.shutdown()
            throw error
        }
    }

    static func secondInstance(of app: Application) async throws -> Application {
        let other = try await Application.make(.testing)
        other.logger.logLevel = .warning
        do {
            try await configure(other, settings: app.rapport.settings)
        } catch {
            try? await other.asyncShutdown()
            throw error
        }
        return other
    }

    static func eventIDs(after start: Int, through latest: Int, on db: any Database) async throws -> [Int] {
        try await db.sql.raw(
            "SELECT id AS \"id\" FROM events WHERE id > \(bind: start) AND id <= \(bind: latest) ORDER BY id"
        ).all()
            .map { try $0.decode(column: "id", as: Int.self) }
    }

    static func duplicates(_ ids: [Int]) -> [Int] {
        Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    }
}
