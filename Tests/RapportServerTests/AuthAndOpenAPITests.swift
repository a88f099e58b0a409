import Fluent
import Foundation
import Testing
import Vapor

@testable import RapportServer

@Suite("Authentication, authorization and the API description")
struct AuthAndOpenAPITests {
    /// The registered `/api/v1` routes as `METHOD /path/{param}`.
    static func registeredRoutes(_ app: Application) -> Set<String> {
        Set(
            app.routes.all.compactMap { route -> String? in
                let components = route.path.map { component -> String in
                    switch component {
                    case .constant(let value): value
                    case .parameter(let name): "{\(name)}"
                    case .anything: "*"
                    case .catchall: "**"
                    }
                }
                guard components.starts(with: ["api", "v1"]) else { return nil }
                return "\(route.method.rawValue) /" + components.dropFirst(2).joined(separator: "/")
            })
    }

    static var documentedRoutes: Set<String> {
        Set(OpenAPIDocument.operations.map { "\($0.method.rawValue) \($0.path)" })
    }

    @Test("every API route is documented in the OpenAPI description, and nothing else is")
    func openAPIMatchesRoutes() async throws {
        try await withApp(.sqlite) { app, ctx in
            #expect(Self.registeredRoutes(app) == Self.documentedRoutes)
            let document = try await ctx.api(.GET, "openapi.json", token: nil)
            #expect(document.status == .ok)
            #expect(document.object["openapi"] as? String == "3.1.0")
            let paths = try #require(document.object["paths"] as? [String: [String: Any]])
            let fromDocument = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
            #expect(fromDocument == Self.documentedRoutes)
            // Every schema reference points at a defined schema.
            let schemas = try #require((document.object["components"] as? [String: Any])?["schemas"] as? [String: Any])
            let references = Set(document.text.matches(of: /#\/components\/schemas\/(\w+)/).map { String($0.1) })
            #expect(references.isSubset(of: Set(schemas.keys)), "undefined: \(references.subtracting(schemas.keys))")
        }
    }

    @Test("every route but the public ones refuses requests without a valid token")
    func unauthorizedEverywhere() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (_, token) = try await ctx.agent()
            let number = try await ctx.ticket(token: token)
            for operation in OpenAPIDocument.operations where !operation.isPublic {
                let path = String(operation.path.dropFirst()).replacingOccurrences(of: "{number}", with: String(number))
                    .replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{agentID}", with: "1")
                for badToken in [nil, "rpt_not-a-real-token", "garbage"] {
                    let result = try await ctx.api(
                        operation.method, path, token: badToken, json: operation.method == .GET ? nil : [String: Any]())
                    #expect(
                        result.status == .unauthorized, "\(operation.method) \(path) with \(badToken ?? "no token")")
                    #expect(result.errorCode == "unauthenticated")
                    #expect(result.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)
                }
            }
        }
    }

    @Test(
        "a password buys a token; a wrong password or unknown address gets the same refusal",
        arguments: TestDatabase.allCases)
    func tokenExchange(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            _ = try await ctx.agent(name: "Sam Agent", email: "sam@desk.example")
            let good = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: ["email": "SAM@desk.example", "password": "correct horse battery"])
            #expect(good.status == .created)
            let token = try #require(good.object["token"] as? String)
            #expect(token.hasPrefix("rpt_"))
            let me = try await ctx.api(.GET, "me", token: token)
            #expect(me["agent"]?["email"] as? String == "sam@desk.example")

            let wrong = try await ctx.api(
                .POST, "auth/tokens", token: nil, json: ["email": "sam@desk.example", "password": "wrong password"])
            let unknown = try await ctx.api(
                .POST, "auth/tokens", token: nil, json: ["email": "nobody@desk.example", "password": "wrong password"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)

            // Only the hash is stored.
            let stored = try await ApiToken.query(on: app.db).all()
            #expect(!stored.contains { $0.tokenHash.contains(token) || token.contains($0.tokenHash) })

            #expect(try await ctx.api(.DELETE, "auth/tokens/current", token: token).status == .noContent)
            #expect(try await ctx.api(.GET, "me", token: token).status == .unauthorized)
        }
    }

    @Test("repeated wrong passwords lock the account for a while, even for the right password")
    func lockout() async throws {
        try await withApp(.sqlite) { app, ctx in
            _ = try await ctx.agent(name: "Sam Agent", email: "sam@desk.example")
            for _ in 0..<5 {
                let wrong = try await ctx.api(
                    .POST, "auth/tokens", token: nil,
                    json: ["email": "sam@desk.example", "password": "guess guess guess"])
                #expect(wrong.status == .unauthorized)
            }
            let locked = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: ["email": "Sam@desk.example", "password": "correct horse battery"])
            #expect(locked.status == .tooManyRequests)
            #expect(locked.errorCode == "too_many_attempts")
            #expect(Int(locked.headers.first(name: .retryAfter) ?? "") == 900)
            ctx.clock.advance(by: 901)
            let later = try await ctx.api(
                .POST, "auth/tokens", token: nil,
                json: ["email": "sam@desk.example", "password": "correct horse battery"])
            #expect(later.status == .created)
        }
    }

    @Test("a deactivated agent's tokens stop working", arguments: TestDatabase.allCases)
    func deactivated(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (_, adminToken) = try await ctx.admin()
            let (agentID, token) = try await ctx.agent()
            #expect(try await ctx.api(.GET, "tickets", token: token).status == .ok)
            #expect(
                try await ctx.api(.PATCH, "agents/\(agentID)", token: adminToken, json: ["is_active": false]).status
                    == .ok)
            #expect(try await ctx.api(.GET, "tickets", token: token).status == .unauthorized)
        }
    }

    @Test("agents cannot do what only admins may", arguments: TestDatabase.allCases)
    func adminOnly(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (adminID, _) = try await ctx.admin()
            let (agentID, token) = try await ctx.agent()
            let attempts: [(HTTPMethod, String, [String: Any])] = [
                (.POST, "agents", ["name": "New", "email": "new@desk.example", "password": "long enough password"]),
                (.PATCH, "agents/\(adminID)", ["name": "Renamed"]),
                (.PATCH, "agents/\(agentID)", ["role": "admin"]),
                (.POST, "teams", ["name": "Mine"]),
                (.POST, "organizations", ["name": "Acme"]),
            ]
            for (method, path, body) in attempts {
                let result = try await ctx.api(method, path, token: token, json: body)
                #expect(result.status == .forbidden, "\(method) \(path)")
            }
            let own = try await ctx.api(
                .PATCH, "agents/\(agentID)", token: token, json: ["signature": "Robin\nSupport"])
            #expect(own.status == .ok)
            #expect(own.object["signature"] as? String == "Robin\nSupport")
        }
    }
}
