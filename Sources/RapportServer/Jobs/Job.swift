import FluentKit
import Foundation

/// A unit of background work, durable in the database: it survives restarts, and a worker
/// that dies while running one leaves a claim that expires so another worker runs it again.
final class Job: Model, @unchecked Sendable {
    static let schema = "jobs"

    enum Status: String, Codable, Sendable { case queued, running, done, failed }

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "kind") var kind: String
    /// JSON the job's handler understands.
    @Field(key: "payload") var payload: String
    /// Set for the repeating jobs (one row each, rescheduled after every run); unique.
    @OptionalField(key: "unique_key") var uniqueKey: String?
    @Enum(key: "status") var status: Status
    @Field(key: "run_at") var runAt: Date
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "claimed_until") var claimedUntil: Date?
    /// Names the claim a worker holds, so a worker whose claim expired cannot finish the job
    /// after another worker took it over.
    @OptionalField(key: "claim_token") var claimToken: String?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}
}

struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Job.schema)
            .intID()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("unique_key", .string)
            .field("status", .string, .required)
            .field("run_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("claimed_until", .datetime)
            .field("claim_token", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        try await database.createIndex("uq_jobs_unique_key", on: Job.schema, columns: ["unique_key"], unique: true)
        try await database.createIndex("idx_jobs_due", on: Job.schema, columns: ["status", "run_at", "id"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Job.schema).delete()
    }
}
