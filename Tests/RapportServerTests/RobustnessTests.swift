import AsyncKit
import Foundation
import Testing
import Vapor

@testable import RapportServer

@Suite("Bad input never breaks the server")
struct RobustnessTests {
    static let hostileBodies: [String] = [
        "", "{", "[]", "null", "42", "\"text\"", "{\"subject\": 5}", "{\"subject\": null, \"message\": []}",
        "{\"name\": {\"a\": 1}, \"emails\": \"x\"}", "{\"status\": \"🙂\", \"assignee_id\": 1e400, \"tags\": [1, 2]}",
        "{\"requester_id\": -1, \"subject\": \"x\", \"message\": {\"body\": \"b\", \"attachments\": [{\"filename\": \"a\", \"data_base64\": \"%%%\"}]}}",
        "{\"updated_since\": \"yesterday\", \"team_id\": 99999999999999999999}", String(repeating: "[", count: 5_000),
        "{\"name\": \"\\u0000X\", \"subject\": \"a\\u0000b\", \"message\": {\"body\": \"\\u0000\"}, \"emails\": [\"a\\u0000@b.example\"]}",
        "{\"email\": \"a@b.c\", \"password\": \"\(String(repeating: "p", count: 5_000))\"}",
    ]

    @Test("every route answers hostile bodies and parameters with a 4xx and a reason", arguments: TestDatabase.allCases)
    func hostileInput(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, token) = try await ctx.admin()
            let number = try await ctx.ticket(token: token)
            for operation in OpenAPIDocument.operations {
                for id in [String(number), "0", "-3", "abc", "99999999999999999999", "%00"] {
                    let path = String(operation.path.dropFirst()).replacingOccurrences(of: "{number}", with: id)
                        .replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{agentID}", with: id)
                    for body in operation.method == .GET ? [nil] : Self.hostileBodies.map(Optional.some) {
                        let result = try await ctx.api(operation.method, path, token: token, rawBody: body)
                        #expect(
                            result.status.code < 500,
                            "\(operation.method) \(path) \(body?.prefix(40) ?? "") → \(result.status) \(result.text.prefix(200))"
                        )
                        if result.status.code >= 400 {
                            #expect(
                                result.errorCode != nil && !(result.object["reason"] as? String ?? "").isEmpty,
                                "\(operation.method) \(path): \(result.text.prefix(200))")
                        }
                    }
                }
            }
            let queries = [
                "tickets?status=bogus", "tickets?limit=0", "tickets?limit=abc", "tickets?cursor=nonsense",
                "tickets?assignee=x",
                "tickets?updated_since=tomorrow", "tickets?tag=%3Cb%3E", "search?q=", "search?q=%22%27%3B--",
                "search?q=*+OR+NEAR(",
                "customers?q=%25_%5C", "customers?q=%00", "customers?q=a%00b", "search?q=a%00b", "customers?limit=-1",
                "search?q=refund&status=nope&team=abc",
            ]
            for query in queries {
                let result = try await ctx.api(.GET, query, token: token)
                #expect(result.status.code < 500, "\(query) → \(result.status) \(result.text.prefix(200))")
            }
        }
    }

    @Test("an escaped NUL is refused; an escaped backslash before u0000 is ordinary text")
    func nul() {
        #expect(Request.containsEscapedNUL(Data(#"{"name": "\u0000X"}"#.utf8)))
        #expect(Request.containsEscapedNUL(Data(#"{"name": "\\\u0000"}"#.utf8)))
        #expect(!Request.containsEscapedNUL(Data(#"{"name": "\\u0000"}"#.utf8)))
        #expect(!Request.containsEscapedNUL(Data(#"{"name": "u0000 \u0041"}"#.utf8)))
    }

    @Test("running out of database connections is a 503 to retry, not a 500")
    func overload() {
        let mapped = RapportErrorMiddleware.map(ConnectionPoolTimeoutError.connectionRequestTimeout)
        #expect(mapped.status == .serviceUnavailable)
        #expect(mapped.code == "busy")
    }

    @Test("a wrong media type is a 415 and an oversized body a 413")
    func mediaTypeAndSize() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (_, token) = try await ctx.agent()
            let form = try await ctx.api(
                .POST, "customers", token: token, rawBody: "name=x", contentType: "application/x-www-form-urlencoded")
            #expect(form.status == .unsupportedMediaType)
            // Only a real server streams the body, so the limit is checked over loopback.
            let huge = "{\"name\": \"\(String(repeating: "x", count: 2 * 1024 * 1024))\"}"
            let live = try app.testing(method: .running(hostname: "127.0.0.1", port: 0))
            let tooBig = try await live.sendRequest(
                .POST, "/api/v1/customers",
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                body: ByteBuffer(string: huge))
            #expect(tooBig.status == .payloadTooLarge)
            #expect(tooBig.body.string.contains("payload_too_large"))
        }
    }

    @Test("missing and wrongly typed fields are named in the error")
    func fieldReasons() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (_, token) = try await ctx.agent()
            var result = try await ctx.api(.POST, "tickets", token: token, json: ["subject": "Hi"])
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["message"] == "is required")
            result = try await ctx.api(
                .POST, "tickets", token: token,
                json: ["subject": "Hi", "message": ["body": "x"], "requester_id": "seven"])
            #expect(result.fields["requester_id"] == "must be an integer")
            result = try await ctx.api(
                .POST, "tickets", token: token,
                json: [
                    "subject": "Hi", "message": ["body": "x", "kind": "memo"], "priority": "asap",
                    "requester": ["email": "a@b.example"],
                ])
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["priority"] == "must be one of low, normal, high, urgent")
            #expect(result.fields["message.kind"] == "must be one of reply, note")
            result = try await ctx.api(
                .POST, "tickets", token: token,
                json: ["subject": "", "message": ["body": " "], "requester": ["email": "a@b.example"]])
            #expect(result.fields["subject"] == "must not be empty")
            #expect(result.fields["message.body"] == "must not be empty")
            result = try await ctx.api(
                .POST, "tickets", token: token,
                json: ["subject": "Hi", "message": ["body": "x"], "requester": ["email": "nope"]])
            #expect(result.fields["requester.email"]?.contains("@") == true)
        }
    }
}
