import Fluent
import Foundation
import RapportCore
import Vapor

/// Operations the `rapport` command line performs on a configured application, kept here so
/// the executable stays a thin layer of argument parsing.
public enum RapportAdministration {
    public struct CreatedAgent: Sendable {
        public let id: Int
        public let email: String
    }

    public static func createAgent(_ app: Application, name: String, email: String, isAdmin: Bool, password: String)
        async throws -> CreatedAgent
    {
        do {
            let id = try await app.rapport.agents.create(
                NewAgent(name: name, email: email, role: isAdmin ? .admin : .agent, password: password), on: app.db)
            guard let agent = try await Agent.find(id, on: app.db) else {
                throw RapportMessageError("The agent was not saved.")
            }
            return CreatedAgent(id: id, email: agent.email)
        } catch let error as RapportError {
            throw RapportMessageError(
                ([error.reason] + error.fields.sorted(by: { $0.key < $1.key }).map { "  \($0.key): \($0.value)" })
                    .joined(separator: "\n"))
        }
    }

    /// Issues an API token for the agent with this email.
    public static func issueToken(_ app: Application, email: String, name: String) async throws -> String {
        guard let agent = try await Agent.query(on: app.db).filter(\.$email == email.lowercased()).first(),
            agent.isActive
        else {
            throw RapportMessageError("No active agent signs in as \(email). Create one with 'rapport user create'.")
        }
        return try await app.rapport.apiTokens.issue(forAgent: try agent.requireID, name: name, on: app.db).token
    }

    /// A new token for the inbound mail endpoint and `rapport mailgate`; the old one stops working.
    public static func issueInboundMailToken(_ app: Application) async throws -> String {
        try await app.rapport.mailSettings.issueInboundToken(on: app.db)
    }

    public static func revertAllMigrations(_ app: Application) async throws {
        try await app.autoRevert()
    }
}

extension RapportAdministration {
    /// Runs the HTTP server with the host and port from the application's arguments until the
    /// process is asked to stop.
    public static func serve(_ app: Application) async throws {
        try await app.execute()
    }
}
