import Foundation
import RapportCore
import Vapor

/// The OpenAPI 3.1 description of `/api/v1`, built from the list of operations below. A test
/// checks that this list and the registered routes are the same, so the document cannot drift.
enum OpenAPIDocument {
    struct Operation {
        let method: HTTPMethod
        /// With `{name}` path parameters, relative to `/api/v1`.
        let path: String
        let summary: String
        let tag: String
        var isPublic = false
        var adminOnly = false
        var query: [(name: String, description: String, schema: [String: Any])] = []
        var requestSchema: String?
        /// For a body that is not JSON: the media types it may be sent as (a string of bytes).
        var rawRequestTypes: [String] = []
        var response: (status: Int, schema: String?) = (200, nil)
    }

    static var operations: [Operation] {
        [
            Operation(
                method: .POST, path: "/auth/tokens",
                summary: "Exchange an agent's email and password for an API token (shown once).", tag: "Auth",
                isPublic: true, requestSchema: "CreateTokenRequest", response: (201, "IssuedToken")),
            Operation(
                method: .GET, path: "/auth/tokens",
                summary: "The agent's own API tokens: name, prefix, when made, last used and expiring.", tag: "Auth",
                response: (200, "TokenList")),
            Operation(
                method: .DELETE, path: "/auth/tokens/current", summary: "Revoke the token this request is made with.",
                tag: "Auth", response: (204, nil)),
            Operation(
                method: .DELETE, path: "/auth/tokens/{id}", summary: "Revoke one of the agent's own tokens.",
                tag: "Auth", response: (204, nil)),
            Operation(
                method: .GET, path: "/me", summary: "The agent the token belongs to.", tag: "Auth",
                response: (200, "Me")),
            Operation(
                method: .GET, path: "/tickets", summary: "List tickets, most recently updated first.", tag: "Tickets",
                query: [
                    ("status", "Comma-separated statuses, e.g. open,pending", ["type": "string"]),
                    ("assignee", "An agent id, 'me' or 'none'", ["type": "string"]),
                    ("team", "A team id", ["type": "integer"]), ("tag", "A tag", ["type": "string"]),
                    ("requester", "A customer id", ["type": "integer"]),
                    ("updated_since", "ISO 8601 date-time", ["type": "string", "format": "date-time"]),
                ] + pageParameters,
                response: (200, "TicketPage")),
            Operation(
                method: .POST, path: "/tickets", summary: "Create a ticket with its first message.", tag: "Tickets",
                requestSchema: "CreateTicketRequest", response: (201, "TicketDetail")),
            Operation(
                method: .GET, path: "/tickets/{number}", summary: "A ticket with its whole conversation.",
                tag: "Tickets", response: (200, "TicketDetail")),
            Operation(
                method: .PATCH, path: "/tickets/{number}",
                summary: "Change subject, status, priority, requester, assignee, team or tags.", tag: "Tickets",
                requestSchema: "UpdateTicketRequest", response: (200, "TicketDetail")),
            Operation(
                method: .POST, path: "/tickets/{number}/messages", summary: "Add a public reply or an internal note.",
                tag: "Tickets",
                requestSchema: "MessageInput", response: (201, "Message")),
            Operation(
                method: .GET, path: "/tickets/{number}/events",
                summary: "The ticket's event log: every change, who made it and when.", tag: "Tickets",
                response: (200, "TicketEventList")),
            Operation(
                method: .GET, path: "/attachments/{id}", summary: "Download an attachment (always as a download).",
                tag: "Tickets", response: (200, nil)),
            Operation(
                method: .GET, path: "/customers", summary: "List or search customers, most recently updated first.",
                tag: "Customers",
                query: [
                    ("q", "Part of a name or email address", ["type": "string"]),
                    ("organization", "An organization id", ["type": "integer"]),
                ] + pageParameters,
                response: (200, "CustomerPage")),
            Operation(
                method: .POST, path: "/customers", summary: "Create a customer.", tag: "Customers",
                requestSchema: "CreateCustomerRequest", response: (201, "CustomerDetail")),
            Operation(
                method: .GET, path: "/customers/{id}", summary: "A customer with their tickets.", tag: "Customers",
                response: (200, "CustomerDetail")),
            Operation(
                method: .PATCH, path: "/customers/{id}", summary: "Change a customer's details.", tag: "Customers",
                requestSchema: "UpdateCustomerRequest", response: (200, "CustomerDetail")),
            Operation(
                method: .GET, path: "/organizations", summary: "All organizations.", tag: "Customers",
                response: (200, "OrganizationList")),
            Operation(
                method: .POST, path: "/organizations", summary: "Create an organization.", tag: "Customers",
                adminOnly: true, requestSchema: "OrganizationInput", response: (201, "Organization")),
            Operation(
                method: .GET, path: "/organizations/{id}", summary: "One organization.", tag: "Customers",
                response: (200, "Organization")),
            Operation(
                method: .PATCH, path: "/organizations/{id}", summary: "Change an organization.", tag: "Customers",
                adminOnly: true, requestSchema: "OrganizationInput", response: (200, "Organization")),
            Operation(
                method: .GET, path: "/agents", summary: "All agents.", tag: "Agents", response: (200, "AgentList")),
            Operation(
                method: .POST, path: "/agents", summary: "Create an agent.", tag: "Agents", adminOnly: true,
                requestSchema: "CreateAgentRequest", response: (201, "Agent")),
            Operation(
                method: .GET, path: "/agents/{id}", summary: "One agent.", tag: "Agents", response: (200, "Agent")),
            Operation(
                method: .PATCH, path: "/agents/{id}",
                summary: "Change an agent (admins: anyone; agents: their own name, signature, password).",
                tag: "Agents",
                requestSchema: "UpdateAgentRequest", response: (200, "Agent")),
            Operation(
                method: .GET, path: "/teams", summary: "All teams with their members.", tag: "Agents",
                response: (200, "TeamList")),
            Operation(
                method: .POST, path: "/teams", summary: "Create a team.", tag: "Agents", adminOnly: true,
                requestSchema: "TeamInput", response: (201, "Team")),
            Operation(
                method: .GET, path: "/teams/{id}", summary: "One team with its members.", tag: "Agents",
                response: (200, "Team")),
            Operation(
                method: .PATCH, path: "/teams/{id}", summary: "Rename a team or change its description.", tag: "Agents",
                adminOnly: true, requestSchema: "TeamInput", response: (200, "Team")),
            Operation(
                method: .PUT, path: "/teams/{id}/members/{agentID}", summary: "Add an agent to a team.", tag: "Agents",
                adminOnly: true, response: (200, "Team")),
            Operation(
                method: .DELETE, path: "/teams/{id}/members/{agentID}", summary: "Remove an agent from a team.",
                tag: "Agents", adminOnly: true, response: (200, "Team")),
            Operation(
                method: .GET, path: "/search",
                summary: "Full-text search over ticket subjects, conversations and requesters.", tag: "Search",
                query: [
                    (
                        "q", "The words to look for",
                        ["type": "string", "minLength": 1, "maxLength": 500, "pattern": "[A-Za-z0-9]"]
                    ), ("status", "Comma-separated statuses", ["type": "string"]),
                    ("assignee", "An agent id or 'me'", ["type": "string"]), ("team", "A team id", ["type": "integer"]),
                    ("limit", "Results, 1-100 (default 50)", ["type": "integer", "minimum": 1, "maximum": 100]),
                ],
                response: (200, "SearchResults")),
            Operation(
                method: .POST, path: "/coach/reply",
                summary: "Check a draft reply: findings by rule, with passages and better phrasings, and a score.",
                tag: "Coach",
                requestSchema: "CoachReplyRequest", response: (200, "ReplyAnalysis")),
            Operation(
                method: .POST, path: "/coach/inbound",
                summary: "Read the mood of a customer's message: sentiment, upset, churn risk, urgency, questions.",
                tag: "Coach",
                requestSchema: "CoachInboundRequest", response: (200, "InboundMood")),
            Operation(
                method: .POST, path: "/mail/inbound",
                summary:
                    "Deliver one raw email (RFC 5322) as the body: it becomes a ticket or joins its ticket. Takes the inbound mail token or an administrator's token. 201 when stored, 200 for a duplicate or a message not stored (see reason).",
                tag: "Mail",
                adminOnly: true, rawRequestTypes: ["message/rfc822", "application/octet-stream"],
                response: (201, "InboundResult")),
            Operation(
                method: .GET, path: "/openapi.json", summary: "This document.", tag: "Meta", isPublic: true,
                response: (200, nil)),
        ]
    }

    private static var pageParameters: [(name: String, description: String, schema: [String: Any])] {
        [
            (
                "limit", "Page size, 1-\(PageSize.maximum) (default \(PageSize.default))",
                ["type": "integer", "minimum": 1, "maximum": PageSize.maximum]
            ),
            ("cursor", "next_cursor from the previous page", ["type": "string"]),
        ]
    }

    static func response(for req: Request) async throws -> Response {
        let data = try JSONSerialization.data(
            withJSONObject: document(), options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: ["Content-Type": "application/json"], body: .init(data: data))
    }

    static func document() -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for operation in operations {
            var entry: [String: Any] = [
                "summary": operation.summary + (operation.adminOnly ? " Admins only." : ""),
                "tags": [operation.tag],
                "operationId": operationID(operation),
            ]
            var parameters: [[String: Any]] = pathParameters(in: operation.path).map {
                ["name": $0, "in": "path", "required": true, "schema": ["type": "integer", "minimum": 1]]
            }
            parameters += operation.query.map {
                ["name": $0.name, "in": "query", "required": false, "description": $0.description, "schema": $0.schema]
            }
            if operation.method != .GET, !operation.isPublic {
                parameters.append([
                    "name": IdempotencyMiddleware.headerName, "in": "header", "required": false,
                    "description":
                        "Makes a retry safe: the same key with the same request within 24 hours returns the first answer (with Idempotent-Replayed: true) instead of doing it again.",
                    "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
                ])
            }
            if !parameters.isEmpty { entry["parameters"] = parameters }
            if let request = operation.requestSchema {
                entry["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(request)]]]
            } else if !operation.rawRequestTypes.isEmpty {
                let binary: [String: Any] = ["schema": ["type": "string", "format": "binary"]]
                entry["requestBody"] = [
                    "required": true,
                    "content": Dictionary(uniqueKeysWithValues: operation.rawRequestTypes.map { ($0, binary) }),
                ]
            }
            var responses: [String: Any] = [:]
            var success: [String: Any] = ["description": "Success"]
            if let schema = operation.response.schema {
                success["content"] = ["application/json": ["schema": ref(schema)]]
            }
            responses[String(operation.response.status)] = success
            let errorResponse: [String: Any] = [
                "description": "Error", "content": ["application/json": ["schema": ref("Error")]],
            ]
            var errorStatuses = ["400", "404", "413", "415", "422"]
            if !operation.isPublic { errorStatuses += ["401"] }
            if operation.adminOnly || operation.method != .GET { errorStatuses += ["403", "409"] }
            for status in errorStatuses { responses[status] = errorResponse }
            entry["responses"] = responses
            if operation.isPublic { entry["security"] = [[String: Any]]() }
            paths[operation.path, default: [:]][operation.method.rawValue.lowercased()] = entry
        }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Rapport API", "version": "1.0.0",
                "description":
                    "The help desk's JSON API. Keys are snake_case, times ISO 8601. Errors are {error, reason, fields}.",
            ],
            "servers": [["url": "/api/v1"]],
            "security": [["bearerAuth": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer"]], "schemas": OpenAPISchemas.all,
            ],
        ]
    }

    static func pathParameters(in path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    private static func operationID(_ operation: Operation) -> String {
        let words = operation.path.split(separator: "/").map {
            $0.hasPrefix("{") ? "By" + $0.dropFirst().dropLast().capitalized : $0.capitalized
        }
        return operation.method.rawValue.lowercased() + words.joined().replacingOccurrences(of: ".", with: "")
    }

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/\(name)"] }
}
