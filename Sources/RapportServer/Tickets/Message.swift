import FluentKit
import Foundation
import RapportCore

/// One entry of a ticket's conversation: a public reply or an internal note.
///
/// `body` is the plain text Rapport shows. `originalHTML` keeps the HTML a mail client or
/// integration sent, for reference only; it is never rendered as HTML in an agent's browser.
final class Message: Model, @unchecked Sendable {
    static let schema = "messages"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Enum(key: "kind") var kind: MessageKind
    @Enum(key: "author_kind") var authorKind: AuthorKind
    @OptionalField(key: "author_agent_id") var authorAgentID: Int?
    @OptionalField(key: "author_customer_id") var authorCustomerID: Int?
    @Field(key: "body") var body: String
    @OptionalField(key: "original_html") var originalHTML: String?
    @Field(key: "created_at") var createdAt: Date
    /// The mood of a customer's message, scored when it arrived.
    @OptionalField(key: "mood_sentiment") var moodSentiment: Double?
    @OptionalField(key: "mood_upset") var moodUpset: Bool?
    @OptionalField(key: "mood_churn_risk") var moodChurnRisk: Bool?
    @OptionalField(key: "mood_urgent") var moodUrgent: Bool?
    /// For an agent's public reply: the coach's score and findings (JSON) when it was sent.
    @OptionalField(key: "coach_score") var coachScore: Int?
    @OptionalField(key: "coach_findings") var coachFindings: String?
    /// For mail: the Message-ID (without brackets) it arrived with or was sent under.
    @OptionalField(key: "email_message_id") var emailMessageID: String?
    /// For mail: the Cc addresses it carried, as a JSON array.
    @OptionalField(key: "email_cc") var emailCC: String?
    /// For mail: the quoted history below the new text, kept folded away.
    @OptionalField(key: "quoted_text") var quotedText: String?

    init() {}
}

struct CreateMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Message.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("kind", .string, .required)
            .field("author_kind", .string, .required)
            .field("author_agent_id", .int)
            .field("author_customer_id", .int)
            .field("body", .string, .required)
            .field("original_html", .string)
            .field("created_at", .datetime, .required)
            .foreignKey("ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_messages_ticket")
            .foreignKey(
                "author_agent_id", references: Agent.schema, "id", onDelete: .setNull, name: "fk_messages_agent"
            )
            .foreignKey(
                "author_customer_id", references: Customer.schema, "id", onDelete: .setNull,
                name: "fk_messages_customer"
            )
            .create()
        try await database.createIndex("idx_messages_ticket", on: Message.schema, columns: ["ticket_id", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Message.schema).delete()
    }
}
