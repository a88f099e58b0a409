import FluentKit
import Foundation
import RapportMail

/// An IMAP mailbox Rapport polls for customer mail.
final class Mailbox: Model, @unchecked Sendable {
    static let schema = "mailboxes"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "name") var name: String
    @Field(key: "host") var host: String
    @Field(key: "port") var port: Int
    @Field(key: "security") var security: String
    @Field(key: "username") var username: String
    /// The password sealed with the workspace secret key (see `SecretBox`), never in the clear.
    @Field(key: "password_sealed") var passwordSealed: String
    @Field(key: "folder") var folder: String
    /// "seen" marks imported messages seen; "move" moves them to `moveTo`.
    @Field(key: "after_import") var afterImport: String
    @OptionalField(key: "move_to") var moveTo: String?
    @Field(key: "verify_certificates") var verifyCertificates: Bool
    @Field(key: "enabled") var enabled: Bool
    @OptionalField(key: "last_checked_at") var lastCheckedAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "imported_count") var importedCount: Int
    /// When this mailbox last brought in a message, and the ticket it went to.
    @OptionalField(key: "last_imported_at") var lastImportedAt: Date?
    @OptionalField(key: "last_imported_ticket_id") var lastImportedTicketID: Int?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var mailSecurity: MailSecurity { MailSecurity(rawValue: security) ?? .tls }
}

/// One message waiting to be sent, being sent, sent or given up on. Written in the same
/// transaction as the ticket message it carries, so a reply is never lost between the
/// database and the SMTP server.
final class OutboundMail: Model, @unchecked Sendable {
    static let schema = "outbound_mail"

    /// `automatic`: a reply Rapport wrote itself (a delay notice, a rule's email).
    enum Kind: String, Codable, Sendable {
        case reply, acknowledgement, notification, automatic
        case portalLink = "portal_link"
    }
    enum Status: String, Codable, Sendable { case queued, sending, sent, failed }

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @OptionalField(key: "ticket_id") var ticketID: Int?
    @OptionalField(key: "message_id") var messageID: Int?
    @Enum(key: "kind") var kind: Kind
    /// The envelope sender (MAIL FROM).
    @Field(key: "envelope_from") var envelopeFrom: String
    /// JSON array of recipient addresses (RCPT TO).
    @Field(key: "recipients") var recipients: String
    /// The first recipient, normalized, for the automatic-message rate limit.
    @Field(key: "primary_recipient") var primaryRecipient: String
    @Field(key: "email_message_id") var emailMessageID: String
    /// The whole RFC 5322 message as it will be sent.
    @Field(key: "raw") var raw: String
    @Enum(key: "status") var status: Status
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    /// While set in the future, one sender owns this row; after it passes, a crashed sender's
    /// row is taken up again.
    @OptionalField(key: "claimed_until") var claimedUntil: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?

    init() {}

    var recipientList: [String] { (try? JSONDecoder().decode([String].self, from: Data(recipients.utf8))) ?? [] }
}

struct CreateMailChannel: AsyncMigration {
    static let messageFields: [(FieldKey, DatabaseSchema.DataType)] = [
        ("email_message_id", .string), ("email_cc", .string), ("quoted_text", .string),
    ]

    func prepare(on database: any Database) async throws {
        try await database.schema(WorkspaceSetting.schema)
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema(Mailbox.schema)
            .intID()
            .field("name", .string, .required)
            .field("host", .string, .required)
            .field("port", .int, .required)
            .field("security", .string, .required)
            .field("username", .string, .required)
            .field("password_sealed", .string, .required)
            .field("folder", .string, .required)
            .field("after_import", .string, .required)
            .field("move_to", .string)
            .field("verify_certificates", .bool, .required)
            .field("enabled", .bool, .required)
            .field("last_checked_at", .datetime)
            .field("last_error", .string)
            .field("imported_count", .int, .required)
            .field("created_at", .datetime, .required)
            .create()

        try await database.schema(OutboundMail.schema)
            .intID()
            .field("ticket_id", .int)
            .field("message_id", .int)
            .field("kind", .string, .required)
            .field("envelope_from", .string, .required)
            .field("recipients", .string, .required)
            .field("primary_recipient", .string, .required)
            .field("email_message_id", .string, .required)
            .field("raw", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .foreignKey(
                "ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_outbound_mail_ticket"
            )
            .foreignKey(
                "message_id", references: Message.schema, "id", onDelete: .setNull, name: "fk_outbound_mail_message"
            )
            .create()
        try await database.createIndex(
            "idx_outbound_mail_due", on: OutboundMail.schema, columns: ["status", "next_attempt_at"])
        try await database.createIndex(
            "idx_outbound_mail_recipient", on: OutboundMail.schema, columns: ["primary_recipient", "created_at"])
        try await database.createIndex("idx_outbound_mail_message", on: OutboundMail.schema, columns: ["message_id"])

        // One column per ALTER TABLE: SQLite adds only one at a time.
        for (field, type) in Self.messageFields {
            try await database.schema(Message.schema).field(field, type).update()
        }
        try await database.createIndex(
            "uq_messages_email_message_id", on: Message.schema, columns: ["email_message_id"], unique: true)
        try await database.schema(CustomerEmail.schema).field("bouncing_since", .datetime).update()
        try await database.schema(CustomerEmail.schema).field("bounce_reason", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(CustomerEmail.schema).deleteField("bounce_reason").update()
        try await database.schema(CustomerEmail.schema).deleteField("bouncing_since").update()
        try await database.dropIndex("uq_messages_email_message_id")
        for (field, _) in Self.messageFields.reversed() {
            try await database.schema(Message.schema).deleteField(field).update()
        }
        try await database.schema(OutboundMail.schema).delete()
        try await database.schema(Mailbox.schema).delete()
        try await database.schema(WorkspaceSetting.schema).delete()
    }
}

/// A mailbox remembers its last import, so "Check now" can say that the background check had
/// just brought the message in.
struct AddMailboxLastImport: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Mailbox.schema).field("last_imported_at", .datetime).update()
        try await database.schema(Mailbox.schema).field("last_imported_ticket_id", .int).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Mailbox.schema).deleteField("last_imported_ticket_id").update()
        try await database.schema(Mailbox.schema).deleteField("last_imported_at").update()
    }
}
