import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

@Suite("Tickets API")
struct TicketAPITests {
    @Test(
        "create a ticket with its first message, then read it with its conversation", arguments: TestDatabase.allCases)
    func createAndRead(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let created = try await ctx.api(
                .POST, "tickets", token: token,
                json: [
                    "subject": "  Thermostat shows E4  ", "requester": ["email": "Pat@Example.com", "name": "Pat Doe"],
                    "message": [
                        "body": "Hello, the display shows E4.", "html": "<p>Hello, the display shows <b>E4</b>.</p>",
                    ],
                    "priority": "high", "channel": "email", "tags": ["Hardware", "hardware", "Needs Callback"],
                ])
            #expect(created.status == .created)
            let number = try #require(created["ticket"]?["number"] as? Int)
            #expect(created.headers.first(name: .location) == "/api/v1/tickets/\(number)")

            let read = try await ctx.api(.GET, "tickets/\(number)", token: token)
            #expect(read.status == .ok)
            let ticket = try #require(read["ticket"])
            #expect(ticket["subject"] as? String == "Thermostat shows E4")
            #expect(ticket["status"] as? String == "new")
            #expect(ticket["priority"] as? String == "high")
            #expect(ticket["channel"] as? String == "email")
            #expect(ticket["tags"] as? [String] == ["hardware", "needs-callback"])
            #expect((ticket["requester"] as? [String: Any])?["name"] as? String == "Pat Doe")
            #expect((ticket["requester"] as? [String: Any])?["email"] as? String == "Pat@example.com")
            let messages = try #require(read.object["messages"] as? [[String: Any]])
            #expect(messages.count == 1)
            #expect(messages[0]["body"] as? String == "Hello, the display shows E4.")
            #expect(messages[0]["original_html"] as? String == "<p>Hello, the display shows <b>E4</b>.</p>")
            #expect((messages[0]["author"] as? [String: Any])?["kind"] as? String == "customer")
        }
    }

    @Test("the same address always leads to the same customer", arguments: TestDatabase.allCases)
    func requesterReuse(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let first = try await ctx.ticket(token: token, email: "sam@example.com")
            let second = try await ctx.ticket(token: token, email: "SAM@example.com")
            let a = try await ctx.api(.GET, "tickets/\(first)", token: token)
            let b = try await ctx.api(.GET, "tickets/\(second)", token: token)
            #expect(
                (a["ticket"]?["requester"] as? [String: Any])?["id"] as? Int
                    == (b["ticket"]?["requester"] as? [String: Any])?["id"] as? Int)

            // A new person from an organization's domain joins that organization.
            let (_, adminToken) = try await ctx.admin()
            let organization = try await ctx.api(
                .POST, "organizations", token: adminToken, json: ["name": "Oakline", "domain": "Oakline.example"])
            let third = try await ctx.ticket(token: token, email: "lee@oakline.example")
            let requester = try #require(
                try await ctx.api(.GET, "tickets/\(third)", token: token)["ticket"]?["requester"] as? [String: Any])
            let customer = try await ctx.api(.GET, "customers/\(requester["id"] as! Int)", token: token)
            #expect(
                (customer["customer"]?["organization"] as? [String: Any])?["id"] as? Int == organization.object["id"]
                    as? Int)
        }
    }

    @Test("replies, notes and status follow the lifecycle and are logged", arguments: TestDatabase.allCases)
    func conversation(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (agentID, token) = try await ctx.agent(name: "Mira Agent")
            let number = try await ctx.ticket(token: token)

            ctx.clock.advance(by: 600)
            let note = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token,
                json: ["kind": "note", "body": "Checked the logs: firmware 4.1."])
            #expect(note.status == .created)
            #expect(note.object["kind"] as? String == "note")
            var ticket = try #require(try await ctx.api(.GET, "tickets/\(number)", token: token)["ticket"])
            #expect(ticket["status"] as? String == "new")
            #expect(ticket["first_response_at"] == nil)

            ctx.clock.advance(by: 600)
            let reply = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token,
                json: ["body": "Hi Pat, could you send a photo?", "status": "pending"])
            #expect(reply.status == .created)
            #expect((reply.object["author"] as? [String: Any])?["name"] as? String == "Mira Agent")
            ticket = try #require(try await ctx.api(.GET, "tickets/\(number)", token: token)["ticket"])
            #expect(ticket["status"] as? String == "pending")
            #expect(ticket["first_response_at"] as? String == ISO8601DateFormatter().string(from: ctx.clock.now()))

            ctx.clock.advance(by: 600)
            let customer = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token, json: ["body": "Here it is.", "author": "customer"])
            #expect(customer.status == .created)
            #expect((customer.object["author"] as? [String: Any])?["kind"] as? String == "customer")
            ticket = try #require(try await ctx.api(.GET, "tickets/\(number)", token: token)["ticket"])
            #expect(ticket["status"] as? String == "open")

            let solved = try await ctx.api(
                .PATCH, "tickets/\(number)", token: token,
                json: ["status": "solved", "assignee_id": agentID, "priority": "urgent"])
            #expect(solved.status == .ok)
            #expect(solved["ticket"]?["solved_at"] != nil)
            #expect((solved["ticket"]?["assignee"] as? [String: Any])?["id"] as? Int == agentID)

            let closed = try await ctx.api(.PATCH, "tickets/\(number)", token: token, json: ["status": "closed"])
            #expect(closed.status == .ok)
            let late = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token,
                json: ["body": "One more thing", "author": "customer"])
            #expect(late.status == .unprocessableEntity)
            #expect(late.errorCode == "invalid_status_transition")
            let reopen = try await ctx.api(.PATCH, "tickets/\(number)", token: token, json: ["status": "open"])
            #expect(reopen.status == .unprocessableEntity)

            let events = try await ctx.api(.GET, "tickets/\(number)/events", token: token)
            let fields = events.array.compactMap { $0["field"] as? String }
            #expect(
                fields == [
                    "created", "note", "reply", "first_response", "status", "customer_message", "status", "status",
                    "priority", "assignee", "status",
                ])
            let statusChanges = events.array.filter { $0["field"] as? String == "status" }.map {
                "\($0["before"] ?? "")→\($0["after"] ?? "")"
            }
            #expect(statusChanges == ["new→pending", "pending→open", "open→solved", "solved→closed"])
            #expect((events.array.last?["actor"] as? [String: Any])?["name"] as? String == "Mira Agent")
        }
    }

    @Test("many tickets created at once all land, with distinct numbers", arguments: TestDatabase.allCases)
    func concurrentWrites(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let numbers = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        try await ctx.ticket(
                            token: token, subject: "Parallel \(index)", email: "p\(index % 5)@example.com")
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(Set(numbers).count == 24)
            let customers = try await ctx.api(.GET, "customers?limit=50", token: token)
            #expect(
                (customers.object["customers"] as? [Any])?.count == 5,
                "concurrent tickets from one address share one customer")
        }
    }

    @Test("a ticket can be moved to another requester", arguments: TestDatabase.allCases)
    func changeRequester(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let number = try await ctx.ticket(token: token, email: "wrong@example.com", name: "Wrong Person")
            let right = try await ctx.api(
                .POST, "customers", token: token, json: ["name": "Right Person", "emails": ["right@example.com"]])
            let rightID = try #require(right["customer"]?["id"] as? Int)
            let moved = try await ctx.api(.PATCH, "tickets/\(number)", token: token, json: ["requester_id": rightID])
            #expect((moved["ticket"]?["requester"] as? [String: Any])?["name"] as? String == "Right Person")
            let search = try await ctx.api(.GET, "search?q=right", token: token)
            #expect((search.object["results"] as? [Any])?.count == 1)
            let missing = try await ctx.api(.PATCH, "tickets/\(number)", token: token, json: ["requester_id": 987_654])
            #expect(missing.fields["requester_id"] == "no customer has id 987654")
        }
    }

    @Test("a disallowed status change is refused with the allowed ones", arguments: TestDatabase.allCases)
    func invalidTransition(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let number = try await ctx.ticket(token: token)
            let result = try await ctx.api(.PATCH, "tickets/\(number)", token: token, json: ["status": "closed"])
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["status"]?.contains("allowed: open, pending, solved") == true)
        }
    }

    @Test("assignee and team can be set and cleared; tags added and removed", arguments: TestDatabase.allCases)
    func fields(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, adminToken) = try await ctx.admin()
            let (agentID, token) = try await ctx.agent()
            let team = try await ctx.api(.POST, "teams", token: adminToken, json: ["name": "Billing"])
            let teamID = try #require(team.object["id"] as? Int)
            let number = try await ctx.ticket(token: token, extra: ["tags": ["billing"]])

            var result = try await ctx.api(
                .PATCH, "tickets/\(number)", token: token,
                json: ["assignee_id": agentID, "team_id": teamID, "add_tags": ["refund"], "remove_tags": ["billing"]])
            #expect(result.status == .ok)
            #expect(result["ticket"]?["tags"] as? [String] == ["refund"])
            #expect((result["ticket"]?["team"] as? [String: Any])?["name"] as? String == "Billing")

            result = try await ctx.api(
                .PATCH, "tickets/\(number)", token: token, json: ["assignee_id": NSNull(), "subject": "Refund request"])
            #expect(result.status == .ok)
            #expect(result["ticket"]?["assignee"] == nil)
            #expect(result["ticket"]?["team"] != nil, "leaving team_id out must not clear it")
            #expect(result["ticket"]?["subject"] as? String == "Refund request")

            result = try await ctx.api(
                .PATCH, "tickets/\(number)", token: token, json: ["assignee_id": 424_242, "team_id": 999])
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["assignee_id"] == "no agent has id 424242")
        }
    }

    @Test(
        "lists filter by status, assignee, team, tag, requester and time, and page by cursor",
        arguments: TestDatabase.allCases)
    func listing(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (agentID, token) = try await ctx.agent()
            var numbers: [Int] = []
            for index in 0..<7 {
                ctx.clock.advance(by: 60)
                numbers.append(
                    try await ctx.ticket(
                        token: token, subject: "Question \(index)", email: "c\(index % 2)@example.com",
                        extra: index.isMultiple(of: 3)
                            ? ["tags": ["vip"], "assignee_id": agentID, "status": "open"] : [:]))
            }
            let all = try await ctx.api(.GET, "tickets?limit=3", token: token)
            let firstPage = (all.object["tickets"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
            #expect(firstPage == Array(numbers.reversed().prefix(3)))
            var seen = firstPage
            var cursor = all.object["next_cursor"] as? String
            while let next = cursor {
                let page = try await ctx.api(.GET, "tickets?limit=3&cursor=\(next)", token: token)
                seen += (page.object["tickets"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
                cursor = page.object["next_cursor"] as? String
            }
            #expect(seen == numbers.reversed())

            func numbersFor(_ query: String) async throws -> [Int] {
                let result = try await ctx.api(.GET, "tickets?\(query)", token: token)
                #expect(result.status == .ok, "\(query): \(result.text)")
                return (result.object["tickets"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
            }
            let vip = [numbers[6], numbers[3], numbers[0]]
            #expect(try await numbersFor("tag=vip") == vip)
            #expect(try await numbersFor("assignee=me") == vip)
            #expect(try await numbersFor("assignee=\(agentID)&status=open") == vip)
            #expect(try await numbersFor("status=new,pending").count == 4)
            #expect(try await numbersFor("assignee=none").count == 4)
            let requester = try #require(
                try await ctx.api(.GET, "tickets/\(numbers[1])", token: token)["ticket"]?["requester"] as? [String: Any]
            )
            #expect(
                try await numbersFor("requester=\(requester["id"] as! Int)") == [numbers[5], numbers[3], numbers[1]])
            let since = ISO8601DateFormatter().string(from: ctx.clock.now().addingTimeInterval(-90))
            #expect(try await numbersFor("updated_since=\(since)") == [numbers[6], numbers[5]])
        }
    }

    @Test(
        "paging never skips or repeats tickets whose times differ by fractions of a millisecond",
        arguments: TestDatabase.allCases)
    func pagingWithFractionalTimes(database: TestDatabase) async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000.123_456_789))
        try await withApp(database, clock: clock) { app, ctx in
            let (_, token) = try await ctx.agent()
            var created: [Int] = []
            for index in 0..<9 {
                created.append(try await ctx.ticket(token: token, subject: "Ticket \(index)"))
                if index % 3 != 2 { ctx.clock.advance(by: 0.000_37) } else { ctx.clock.advance(by: 1.000_9) }
            }
            var seen: [Int] = []
            var cursor: String?
            repeat {
                let page = try await ctx.api(
                    .GET, "tickets?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                seen += (page.object["tickets"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? Int }
                cursor = page.object["next_cursor"] as? String
            } while cursor != nil && seen.count < 20
            #expect(seen.count == 9)
            #expect(Set(seen) == Set(created))
        }
    }

    @Test("attachments are stored once by content and download as attachments", arguments: TestDatabase.allCases)
    func attachments(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let number = try await ctx.ticket(token: token)
            let html = Data("<script>alert(1)</script>".utf8).base64EncodedString()
            let reply = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token,
                json: [
                    "body": "Two copies of the same file",
                    "attachments": [
                        ["filename": "../../etc/évil.html", "content_type": "text/html", "data_base64": html],
                        ["filename": "copy.html", "content_type": "text/html; charset=utf-8", "data_base64": html],
                    ],
                ])
            #expect(reply.status == .created)
            let files = try #require(reply.object["attachments"] as? [[String: Any]])
            #expect(files.map { $0["filename"] as? String } == ["évil.html", "copy.html"])
            let stored = try FileManager.default.subpathsOfDirectory(
                atPath: ctx.directory.appendingPathComponent("attachments").path
            )
            .filter { !$0.hasPrefix(".") && $0.split(separator: "/").count == 3 }
            #expect(stored.count == 1)

            let url = try #require(files[0]["url"] as? String)
            let download = try await app.testing().sendRequest(.GET, url, headers: ["Authorization": "Bearer \(token)"])
            #expect(download.status == .ok)
            #expect(download.body.string == "<script>alert(1)</script>")
            #expect(download.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(download.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)

            let unauthorized = try await app.testing().sendRequest(.GET, url)
            #expect(unauthorized.status == .unauthorized)
        }
    }

    @Test("an attachment over the size limit is refused and nothing is saved")
    func attachmentLimit() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (_, token) = try await ctx.agent()
            let number = try await ctx.ticket(token: token)
            let big = Data(count: RapportSettings.defaultAttachmentMaximumBytes + 1).base64EncodedString()
            let result = try await ctx.api(
                .POST, "tickets/\(number)/messages", token: token,
                json: ["body": "big", "attachments": [["filename": "big.bin", "data_base64": big]]])
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["attachments[0]"]?.contains("limit") == true)
            let messages =
                try await ctx.api(.GET, "tickets/\(number)", token: token).object["messages"] as? [[String: Any]]
            #expect(messages?.count == 1)
        }
    }

    @Test("customer-written markup comes back as inert JSON text", arguments: TestDatabase.allCases)
    func markupStaysText(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.agent()
            let payload = "<img src=x onerror=alert(1)>"
            let number = try await ctx.ticket(token: token, subject: payload, body: payload, name: payload)
            let read = try await ctx.api(.GET, "tickets/\(number)", token: token)
            #expect(read.headers.contentType == .json)
            #expect(read["ticket"]?["subject"] as? String == payload)
            let search = try await ctx.api(.GET, "search?q=onerror", token: token)
            let snippet = try #require((search.object["results"] as? [[String: Any]])?.first?["snippet"] as? String)
            #expect(!snippet.contains("<img"))
            #expect(snippet.contains("&lt;img"))
        }
    }
}
