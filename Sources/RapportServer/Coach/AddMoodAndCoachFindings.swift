import FluentKit

/// Mood scores on customer messages, the coach's findings on agent replies, and the churn-risk
/// flag on customers.
struct AddMoodAndCoachFindings: AsyncMigration {
    static let messageFields: [(FieldKey, DatabaseSchema.DataType)] = [
        ("mood_sentiment", .double), ("mood_upset", .bool), ("mood_churn_risk", .bool), ("mood_urgent", .bool),
        ("coach_score", .int), ("coach_findings", .string),
    ]

    /// One column per ALTER TABLE: SQLite adds only one at a time.
    func prepare(on database: any Database) async throws {
        for (field, type) in Self.messageFields {
            try await database.schema(Message.schema).field(field, type).update()
        }
        try await database.schema(Customer.schema).field("churn_risk_since", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Customer.schema).deleteField("churn_risk_since").update()
        for (field, _) in Self.messageFields.reversed() {
            try await database.schema(Message.schema).deleteField(field).update()
        }
    }
}
