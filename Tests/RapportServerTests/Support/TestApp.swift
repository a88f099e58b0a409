import Fluent
import Foundation
import RapportCore
import Testing
import Vapor
import VaporTesting

@testable import RapportServer

/// The two databases every server test runs on.
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// Runs `body` against a freshly configured application on its own new database: a temporary
/// SQLite file, or a new PostgreSQL database copied from the migrated template.
func withApp(
    _ database: TestDatabase, clock: ManualWallClock = ManualWallClock(Date(timeIntervalSince1970: 1_790_000_000)),
    settings adjust: (inout RapportSettings) -> Void = { _ in },
    _ body: (Application, TestContext) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var settings = RapportSettings(dataDirectory: directory, passwordHashCost: 4, clock: clock)
    adjust(&settings)
    if database == .postgres {
        let base = settings
        settings.databaseURL = try await TestPostgres.shared.migratedDatabase { url in
            var templateSettings = base
            templateSettings.databaseURL = url
            let app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            do {
                try await configure(app, settings: templateSettings)
                try await app.asyncShutdown()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
    }
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    do {
        try await configure(app, settings: settings)
        try await body(app, TestContext(app: app, clock: clock, directory: directory))
        try await app.asyncShutdown()
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
}

struct TestContext: Sendable {
    let app: Application
    let clock: ManualWallClock
    let directory: URL

    /// Creates an agent and an API token for them.
    func agent(name: String = "Robin Agent", email: String? = nil, role: AgentRole = .agent) async throws -> (
        id: Int, token: String
    ) {
        let address =
            email
            ?? "\(name.lowercased().replacingOccurrences(of: " ", with: "."))-\(UUID().uuidString.prefix(6))@desk.example"
        let id = try await app.rapport.agents.create(
            NewAgent(name: name, email: address, role: role, password: "correct horse battery"), on: app.db)
        let token = try await app.rapport.apiTokens.issue(forAgent: id, name: "test", on: app.db).token
        return (id, token)
    }

    func admin() async throws -> (id: Int, token: String) {
        try await agent(name: "Alex Admin", role: .admin)
    }

    /// Sends a JSON request to `/api/v1/<path>` and returns the status and parsed body.
    @discardableResult
    func api(
        _ method: HTTPMethod, _ path: String, token: String?, json: Any? = nil, rawBody: String? = nil,
        contentType: String = "application/json"
    ) async throws -> APIResult {
        var headers = HTTPHeaders()
        if let token { headers.add(name: .authorization, value: "Bearer \(token)") }
        var body: ByteBuffer?
        if let json {
            let data = try JSONSerialization.data(withJSONObject: json)
            body = ByteBuffer(bytes: Array(data))
            headers.contentType = .json
        } else if let rawBody {
            body = ByteBuffer(string: rawBody)
            headers.replaceOrAdd(name: .contentType, value: contentType)
        }
        let response = try await app.testing().sendRequest(method, "/api/v1/" + path, headers: headers, body: body)
        let text = response.body.string
        let parsed =
            text.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return APIResult(status: response.status, json: parsed, text: text, headers: response.headers)
    }

    /// Creates a ticket through the API and returns its number.
    func ticket(
        token: String, subject: String = "Heating will not turn on",
        body: String = "Hello, my thermostat shows an error E4 since this morning.",
        email: String = "pat.customer@example.com", name: String = "Pat Customer", extra: [String: Any] = [:]
    ) async throws -> Int {
        var payload: [String: Any] = [
            "subject": subject, "requester": ["email": email, "name": name], "message": ["body": body],
        ]
        payload.merge(extra) { _, new in new }
        let result = try await api(.POST, "tickets", token: token, json: payload)
        guard result.status == .created, let number = result["ticket"]?["number"] as? Int else {
            throw RapportMessageError("creating a ticket failed: \(result.status) \(result.text)")
        }
        return number
    }
}

struct APIResult: @unchecked Sendable {
    let status: HTTPResponseStatus
    let json: Any?
    let text: String
    let headers: HTTPHeaders

    subscript(key: String) -> [String: Any]? { (json as? [String: Any])?[key] as? [String: Any] }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    var errorCode: String? { object["error"] as? String }
    var fields: [String: String] { object["fields"] as? [String: String] ?? [:] }
}

extension Dictionary where Key == String, Value == Any {
    subscript(path key: String) -> [String: Any]? { self[key] as? [String: Any] }
}
