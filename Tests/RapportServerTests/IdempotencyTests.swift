import Fluent
import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// A client that lost the connection retries with the same Idempotency-Key and gets the first
/// answer, not a second ticket.
@Suite("Idempotency-Key on API writes")
struct IdempotencyTests {
    private static func send(
        _ app: Application, _ method: HTTPMethod, _ path: String, token: String, key: String?, json: [String: Any]
    ) async throws -> (status: HTTPResponseStatus, body: String, headers: HTTPHeaders) {
        var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        if let key { headers.add(name: IdempotencyMiddleware.headerName, value: key) }
        let body = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])))
        let response = try await app.testing().sendRequest(method, "/api/v1/" + path, headers: headers, body: body)
        return (response.status, response.body.string, response.headers)
    }

    private static func newTicket(_ subject: String) -> [String: Any] {
        [
            "subject": subject, "requester": ["email": "kim@example.com", "name": "Kim"],
            "message": ["body": "It broke."],
        ]
    }

    @Test(
        "a retried create or reply with the same key is answered from the first and done once; other keys, agents and requests are not confused",
        arguments: TestDatabase.allCases)
    func retriesAreDoneOnce(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent()
            let other = try await context.agent(name: "Other Agent")
            let before = try await Ticket.query(on: app.db).count()

            let first = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: "k-1", json: Self.newTicket("Broken"))
            #expect(first.status == .created)
            #expect(first.headers.first(name: IdempotencyMiddleware.replayedHeaderName) == nil)
            let retry = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: "k-1", json: Self.newTicket("Broken"))
            #expect(retry.status == .created)
            #expect(retry.body == first.body, "the first answer, byte for byte")
            #expect(retry.headers.first(name: IdempotencyMiddleware.replayedHeaderName) == "true")
            #expect(retry.headers.first(name: .location) == first.headers.first(name: .location))
            #expect(try await Ticket.query(on: app.db).count() == before + 1)

            let reused = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: "k-1", json: Self.newTicket("Something else"))
            #expect(reused.status == .unprocessableEntity)
            #expect(reused.body.contains("idempotency_key_reused"))

            // Keys are each agent's own.
            let theirs = try await Self.send(
                app, .POST, "tickets", token: other.token, key: "k-1", json: Self.newTicket("Broken"))
            #expect(theirs.status == .created)
            #expect(theirs.body != first.body)
            #expect(try await Ticket.query(on: app.db).count() == before + 2)

            // A refused request keeps nothing: corrected, the same key goes through.
            let invalid = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: "k-2", json: ["subject": ""])
            #expect(invalid.status.code >= 400 && invalid.status.code < 500)
            let corrected = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: "k-2", json: Self.newTicket("Fixed"))
            #expect(corrected.status == .created)

            // A reply sent twice is one message.
            let number = try #require(
                (try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any]).flatMap {
                    ($0["ticket"] as? [String: Any])?["number"] as? Int
                })
            let messagesBefore = try await Message.query(on: app.db).filter(\.$ticketID == number).count()
            for _ in 0..<3 {
                let reply = try await Self.send(
                    app, .POST, "tickets/\(number)/messages", token: agent.token, key: "reply-7",
                    json: ["kind": "reply", "body": "We have sent a new part."])
                #expect(reply.status == .created)
            }
            #expect(try await Message.query(on: app.db).filter(\.$ticketID == number).count() == messagesBefore + 1)

            let badKey = try await Self.send(
                app, .POST, "tickets", token: agent.token, key: String(repeating: "x", count: 300),
                json: Self.newTicket("Broken"))
            #expect(badKey.status == .badRequest)
            #expect(badKey.body.contains("invalid_idempotency_key"))
        }
    }

    @Test("the same key sent five times at once creates one ticket", arguments: TestDatabase.allCases)
    func concurrentRetries(database: TestDatabase) async throws {
        try await withApp(database) { app, context in
            let agent = try await context.agent()
            let before = try await Ticket.query(on: app.db).count()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponseStatus.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await Self.send(
                            app, .POST, "tickets", token: agent.token, key: "burst-1", json: Self.newTicket("Once")
                        )
                        .status
                    }
                }
                var all: [HTTPResponseStatus] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict }, "\(statuses)")
            #expect(statuses.contains(.created))
            #expect(try await Ticket.query(on: app.db).count() == before + 1)
        }
    }
}
