import RapportCore

/// JSON Schemas of the API's request and response bodies, matching the DTOs.
enum OpenAPISchemas {
    private static var string: [String: Any] { ["type": "string"] }
    private static var nullableString: [String: Any] { ["type": ["string", "null"]] }
    private static var integer: [String: Any] { ["type": "integer"] }
    private static var nullableInteger: [String: Any] { ["type": ["integer", "null"]] }
    private static var dateTime: [String: Any] { ["type": "string", "format": "date-time"] }
    private static var nullableDateTime: [String: Any] { ["type": ["string", "null"], "format": "date-time"] }
    private static var boolean: [String: Any] { ["type": "boolean"] }
    private static var strings: [String: Any] { ["type": "array", "items": string] }

    private static func text(_ minimum: Int, _ maximum: Int) -> [String: Any] {
        ["type": "string", "minLength": minimum, "maxLength": maximum, "pattern": "\\S"]
    }
    private static var email: [String: Any] { ["type": "string", "format": "email", "maxLength": 254] }
    private static var tag: [String: Any] { ["type": "string", "pattern": "^[a-z0-9][a-z0-9._:-]{0,49}$"] }
    private static var tags: [String: Any] { ["type": "array", "items": tag, "maxItems": 30] }
    private static var id: [String: Any] { ["type": "integer", "minimum": 1] }

    private static func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> [String: Any]
    where T.RawValue == String {
        ["type": "string", "enum": T.allCases.map(\.rawValue)]
    }

    private static func object(_ properties: [String: Any], required: [String] = []) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        return schema
    }

    private static func array(of name: String) -> [String: Any] {
        ["type": "array", "items": OpenAPIDocument.ref(name)]
    }
    private static func nullable(_ name: String) -> [String: Any] {
        ["oneOf": [OpenAPIDocument.ref(name), ["type": "null"]]]
    }

    static var all: [String: Any] {
        [
            "Error": object(
                ["error": string, "reason": string, "fields": ["type": "object", "additionalProperties": string]],
                required: ["error", "reason", "fields"]),
            "Person": object(["id": integer, "name": string, "email": nullableString], required: ["id", "name"]),
            "NamedReference": object(["id": integer, "name": string], required: ["id", "name"]),
            "CreateTokenRequest": object(
                [
                    "email": email, "password": string, "name": text(1, 100),
                    "expires_in_days": [
                        "type": "integer", "minimum": 1, "maximum": ApiTokenService.longestLifetimeDays,
                    ],
                ], required: ["email", "password"]),
            "IssuedToken": object(
                [
                    "token": string, "prefix": string, "agent": OpenAPIDocument.ref("Person"),
                    "expires_at": nullableDateTime,
                ],
                required: ["token", "prefix", "agent"]),
            "TokenList": [
                "type": "array",
                "items": object(
                    [
                        "id": integer, "name": string, "prefix": string, "created_at": dateTime,
                        "last_used_at": nullableDateTime, "expires_at": nullableDateTime, "current": boolean,
                    ], required: ["id", "name", "prefix", "created_at", "current"]),
            ],
            "InboundResult": object(
                [
                    "outcome": ["type": "string", "enum": ["created", "appended", "duplicate", "bounce", "ignored"]],
                    "ticket_id": integer, "message_id": integer, "reason": string,
                ], required: ["outcome"]),
            "Me": object(["agent": OpenAPIDocument.ref("Agent")], required: ["agent"]),
            "TicketSummary": object(
                [
                    "number": integer, "subject": string, "status": choice(TicketStatus.self),
                    "priority": choice(TicketPriority.self),
                    "channel": choice(TicketChannel.self), "requester": OpenAPIDocument.ref("Person"),
                    "assignee": nullable("Person"),
                    "team": nullable("NamedReference"), "tags": strings, "created_at": dateTime, "updated_at": dateTime,
                    "first_response_at": nullableDateTime, "solved_at": nullableDateTime, "closed_at": nullableDateTime,
                    "awaiting_reply_since": nullableDateTime,
                    "sla_due_at": nullableDateTime, "sla_at_risk_at": nullableDateTime,
                ],
                required: [
                    "number", "subject", "status", "priority", "channel", "requester", "tags", "created_at",
                    "updated_at",
                ]),
            "TicketPage": object(
                ["tickets": array(of: "TicketSummary"), "next_cursor": nullableString], required: ["tickets"]),
            "Attachment": object([
                "id": integer, "filename": string, "content_type": string, "size": integer, "url": string,
            ]),
            "Message": object(
                [
                    "id": integer, "kind": choice(MessageKind.self),
                    "author": object(["kind": choice(AuthorKind.self), "id": nullableInteger, "name": string]),
                    "body": string, "original_html": nullableString, "created_at": dateTime,
                    "attachments": array(of: "Attachment"),
                    "mood": [
                        "oneOf": [
                            object([
                                "sentiment": ["type": "number"], "upset": boolean, "churn_risk": boolean,
                                "urgent": boolean,
                            ]), ["type": "null"],
                        ]
                    ],
                    "coach_score": nullableInteger,
                ], required: ["id", "kind", "author", "body", "created_at", "attachments"]),
            "TicketDetail": object(
                ["ticket": OpenAPIDocument.ref("TicketSummary"), "messages": array(of: "Message")],
                required: ["ticket", "messages"]),
            "TicketEventList": [
                "type": "array",
                "items": object([
                    "id": integer, "field": string, "before": nullableString, "after": nullableString,
                    "actor": object(["kind": choice(AuthorKind.self), "id": nullableInteger, "name": string]),
                    "created_at": dateTime,
                ]),
            ],
            "AttachmentInput": object(
                [
                    "filename": text(1, 200), "content_type": string,
                    "data_base64": ["type": "string", "contentEncoding": "base64", "minLength": 4],
                ],
                required: ["filename", "data_base64"]),
            "MessageInput": object(
                [
                    "body": text(1, 200_000), "html": ["type": "string", "maxLength": 1_000_000],
                    "kind": choice(MessageKind.self),
                    "author": ["type": "string", "enum": ["agent", "customer"]], "status": choice(TicketStatus.self),
                    "attachments": array(of: "AttachmentInput"),
                ], required: ["body"]),
            "CreateTicketRequest": object(
                [
                    "subject": text(1, 250), "requester_id": id,
                    "requester": object(["email": email, "name": text(1, 200)], required: ["email"]),
                    "message": OpenAPIDocument.ref("MessageInput"), "priority": choice(TicketPriority.self),
                    "channel": choice(TicketChannel.self),
                    "status": ["type": "string", "enum": ["new", "open", "pending", "solved"]], "assignee_id": id,
                    "team_id": id, "tags": tags,
                ], required: ["subject", "message"]),
            "UpdateTicketRequest": object([
                "subject": text(1, 250), "status": choice(TicketStatus.self), "priority": choice(TicketPriority.self),
                "requester_id": id, "assignee_id": ["type": ["integer", "null"], "minimum": 1],
                "team_id": ["type": ["integer", "null"], "minimum": 1],
                "tags": tags, "add_tags": tags, "remove_tags": tags,
            ]),
            "Customer": object(
                [
                    "id": integer, "name": string, "emails": strings, "phone": nullableString, "locale": nullableString,
                    "time_zone": nullableString, "notes": string, "organization": nullable("NamedReference"),
                    "churn_risk_since": nullableDateTime, "tier": nullableString, "is_org_manager": boolean,
                    "created_at": dateTime, "updated_at": dateTime,
                ], required: ["id", "name", "emails", "notes", "is_org_manager", "created_at", "updated_at"]),
            "CustomerPage": object(
                ["customers": array(of: "Customer"), "next_cursor": nullableString], required: ["customers"]),
            "CustomerDetail": object(
                ["customer": OpenAPIDocument.ref("Customer"), "tickets": array(of: "TicketSummary")],
                required: ["customer", "tickets"]),
            "CreateCustomerRequest": object(
                [
                    "name": text(1, 200), "emails": ["type": "array", "items": email, "minItems": 1, "maxItems": 10],
                    "phone": ["type": "string", "maxLength": 40],
                    "locale": ["type": "string", "pattern": "^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$"],
                    "time_zone": ["type": "string", "examples": ["Europe/Berlin"]],
                    "notes": ["type": "string", "maxLength": 20_000], "organization_id": id,
                ], required: ["name", "emails"]),
            "UpdateCustomerRequest": object([
                "name": string, "emails": strings, "phone": nullableString, "locale": nullableString,
                "time_zone": nullableString,
                "notes": string, "organization_id": nullableInteger,
                "tier": ["type": ["string", "null"], "maxLength": 60], "is_org_manager": boolean,
            ]),
            "Organization": object([
                "id": integer, "name": string, "domain": nullableString, "notes": string, "created_at": dateTime,
                "updated_at": dateTime,
            ]),
            "OrganizationList": array(of: "Organization"),
            "OrganizationInput": object([
                "name": text(1, 200), "domain": ["type": ["string", "null"], "format": "hostname"],
                "notes": ["type": "string", "maxLength": 20_000],
            ]),
            "Agent": object(
                [
                    "id": integer, "name": string, "email": string, "role": choice(AgentRole.self),
                    "ticket_access": choice(TicketScope.self),
                    "signature": string, "is_active": boolean, "teams": array(of: "NamedReference"),
                    "created_at": dateTime,
                ], required: ["id", "name", "email", "role", "is_active"]),
            "AgentList": array(of: "Agent"),
            "CreateAgentRequest": object(
                [
                    "name": text(1, 200), "email": email, "role": choice(AgentRole.self),
                    "ticket_access": choice(TicketScope.self),
                    "password": ["type": "string", "minLength": 10, "maxLength": 72],
                    "signature": ["type": "string", "maxLength": 2_000],
                ],
                required: ["name", "email", "password"]),
            "UpdateAgentRequest": object([
                "name": string, "email": string, "role": choice(AgentRole.self),
                "ticket_access": choice(TicketScope.self),
                "signature": string, "is_active": boolean, "password": string,
                "current_password": string,
            ]),
            "Team": object([
                "id": integer, "name": string, "description": string, "members": array(of: "Person"),
                "created_at": dateTime,
            ]),
            "TeamList": array(of: "Team"),
            "TeamInput": object(["name": text(1, 100), "description": ["type": "string", "maxLength": 2_000]]),
            "CoachReplyRequest": object(
                [
                    "draft": ["type": "string", "maxLength": CoachService.maximumTextLength],
                    "customer_name": ["type": "string", "maxLength": 200],
                    "agent_name": ["type": "string", "maxLength": 200],
                    "customer_message": ["type": ["string", "null"], "maxLength": CoachService.maximumTextLength],
                    "customer_upset": boolean,
                ], required: ["draft", "customer_name", "agent_name"]),
            "ReplyAnalysis": object(
                [
                    "score": ["type": "integer", "minimum": 0, "maximum": 100],
                    "findings": [
                        "type": "array",
                        "items": object(
                            [
                                "rule": choice(ReplyRule.self), "message": string, "start": nullableInteger,
                                "end": nullableInteger, "suggestion": nullableString,
                                "ranges": [
                                    "type": "array",
                                    "description":
                                        "Every passage the finding is about (UTF-16 offsets); start and end give the first.",
                                    "items": object(["start": integer, "end": integer]),
                                ],
                            ], required: ["rule", "message", "start", "end", "suggestion", "ranges"]),
                    ],
                ], required: ["score", "findings"]),
            "CoachInboundRequest": object(
                ["message": ["type": "string", "maxLength": CoachService.maximumTextLength]], required: ["message"]),
            "InboundMood": object(
                [
                    "sentiment": ["type": "number", "minimum": -1, "maximum": 1], "upset": boolean,
                    "churn_risk": boolean, "urgent": boolean, "questions": strings,
                ], required: ["sentiment", "upset", "churn_risk", "urgent", "questions"]),
            "SearchResults": object(
                [
                    "query": string, "terms": strings,
                    "results": [
                        "type": "array",
                        "items": object(["ticket": OpenAPIDocument.ref("TicketSummary"), "snippet": string]),
                    ],
                ], required: ["query", "terms", "results"]),
        ]
    }
}
