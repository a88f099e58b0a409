import FluentKit
import Foundation

/// Metadata of a file attached to a message. The bytes live in the attachment store under their
/// SHA-256, so the same file attached twice is stored once.
final class Attachment: Model, @unchecked Sendable {
    static let schema = "attachments"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "ticket_id") var ticketID: Int
    @Field(key: "message_id") var messageID: Int
    @Field(key: "filename") var filename: String
    @Field(key: "content_type") var contentType: String
    @Field(key: "size") var size: Int
    @Field(key: "sha256") var sha256: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct CreateAttachments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Attachment.schema)
            .intID()
            .field("ticket_id", .int, .required)
            .field("message_id", .int, .required)
            .field("filename", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .foreignKey("ticket_id", references: Ticket.schema, "id", onDelete: .cascade, name: "fk_attachments_ticket")
            .foreignKey(
                "message_id", references: Message.schema, "id", onDelete: .cascade, name: "fk_attachments_message"
            )
            .create()
        try await database.createIndex("idx_attachments_message", on: Attachment.schema, columns: ["message_id"])
        try await database.createIndex("idx_attachments_ticket", on: Attachment.schema, columns: ["ticket_id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Attachment.schema).delete()
    }
}
