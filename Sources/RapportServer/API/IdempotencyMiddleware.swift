import Fluent
import FluentKit
import Foundation
import RapportCore
import SQLKit
import Vapor

/// `Idempotency-Key` on API writes: a client that lost the connection before the answer came
/// sends the same request with the same key again and gets the first answer back, instead of a
/// second ticket or a second reply.
///
/// Keys belong to the agent whose token sent them and are kept for a day. The same key with a
/// different request is refused (422); while the first is still being answered, a retry gets
/// 409. Only answers below 500 are kept: after a server error, or an error the request raised
/// (validation, not found), the key is free again and a retry runs afresh.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let headerName = "Idempotency-Key"
    static let replayedHeaderName = "Idempotent-Replayed"
    static let lifetime: TimeInterval = 86_400
    /// A key claimed this long ago with no answer recorded belongs to a request that died with its
    /// server; it may be claimed again.
    static let abandonedAfter: TimeInterval = 300

    let maximumBodyBytes: Int

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method != .GET, request.method != .HEAD,
            let key = request.headers.first(name: Self.headerName)
        else {
            return try await next.respond(to: request)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw RapportError(
                .badRequest, code: "invalid_idempotency_key",
                reason:
                    "The Idempotency-Key header must be 1 to 255 visible ASCII characters; a new UUID per request is usual.",
                fields: [Self.headerName: "must be 1 to 255 visible ASCII characters"])
        }
        let agent = try request.agent
        let body = try await request.body.collect(max: maximumBodyBytes).get()
        var fingerprint = Data("\(request.method.rawValue) \(request.url.path)?\(request.url.query ?? "")\n".utf8)
        if let body { fingerprint.append(contentsOf: body.readableBytesView) }
        let digest = SHA256.hex(of: fingerprint)
        let now = request.rapport.settings.clock.now()

        switch try await Self.claim(key, agentID: agent.id, digest: digest, now: now, on: request.db) {
        case .replay(let stored):
            return stored.response
        case .differentRequest:
            throw RapportError(
                .unprocessableEntity, code: "idempotency_key_reused",
                reason:
                    "This Idempotency-Key was used for a different request in the last 24 hours; use a new key for a new request.",
                fields: [Self.headerName: "was used for a different request"])
        case .inProgress:
            throw RapportError(
                .conflict, code: "idempotency_key_in_use",
                reason:
                    "A request with this Idempotency-Key is still being answered; retry in a few seconds to get its answer."
            )
        case .claimed(let id):
            let response: Response
            do {
                response = try await next.respond(to: request)
            } catch {
                try? await Self.release(id, on: request.db)
                throw error
            }
            if response.status.code < 500, let buffer = response.body.buffer {
                try await Self.record(response, body: buffer, id: id, on: request.db)
            } else {
                try? await Self.release(id, on: request.db)
            }
            return response
        }
    }

    enum Claim {
        case claimed(Int)
        case replay(IdempotentRequest)
        case differentRequest
        case inProgress
    }

    private static func claim(_ key: String, agentID: Int, digest: String, now: Date, on db: any Database)
        async throws -> Claim
    {
        do {
            return try await db.write { tx in
                var found = try await IdempotentRequest.query(on: tx.db).filter(\.$agentID == agentID).filter(
                    \.$key == key
                ).first()
                if let expired = found, expired.expiresAt < now {
                    // Past its day and not yet pruned by the cleanup job: the key is free again.
                    try await expired.delete(on: tx.db)
                    found = nil
                }
                if let existing = found {
                    guard existing.requestDigest == digest else { return .differentRequest }
                    if existing.status != nil { return .replay(existing) }
                    guard existing.claimedAt < now.addingTimeInterval(-abandonedAfter) else { return .inProgress }
                    existing.claimedAt = now
                    try await existing.update(on: tx.db)
                    return .claimed(try existing.requireID())
                }
                let row = IdempotentRequest(
                    agentID: agentID, key: key, requestDigest: digest, claimedAt: now,
                    expiresAt: now.addingTimeInterval(lifetime))
                try await row.create(on: tx.db)
                return .claimed(try row.requireID())
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Another instance claimed the same key at the same moment.
            return .inProgress
        }
    }

    /// Deletes keys past their day (the hourly cleanup job).
    static func prune(now: Date, on db: any Database) async throws {
        try await db.write { tx in
            try await IdempotentRequest.query(on: tx.db).filter(\.$expiresAt < now).delete()
        }
    }

    private static func record(_ response: Response, body: ByteBuffer, id: Int, on db: any Database) async throws {
        try await db.write { tx in
            guard let row = try await IdempotentRequest.find(id, on: tx.db) else { return }
            row.status = Int(response.status.code)
            row.contentType = response.headers.first(name: .contentType)
            row.location = response.headers.first(name: .location)
            row.body = Data(body.readableBytesView)
            try await row.update(on: tx.db)
        }
    }

    private static func release(_ id: Int, on db: any Database) async throws {
        try await db.write { tx in
            try await IdempotentRequest.query(on: tx.db).filter(\.$id == id).delete()
        }
    }
}

/// One `Idempotency-Key` an agent sent, with the answer once there is one.
final class IdempotentRequest: Model, @unchecked Sendable {
    static let schema = "idempotency_keys"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "agent_id") var agentID: Int
    @Field(key: "key") var key: String
    /// SHA-256 of the method, path, query and body, to tell a retry from a different request.
    @Field(key: "request_digest") var requestDigest: String
    @Field(key: "claimed_at") var claimedAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "status") var status: Int?
    @OptionalField(key: "content_type") var contentType: String?
    @OptionalField(key: "location") var location: String?
    @OptionalField(key: "body") var body: Data?

    init() {}

    init(agentID: Int, key: String, requestDigest: String, claimedAt: Date, expiresAt: Date) {
        self.agentID = agentID
        self.key = key
        self.requestDigest = requestDigest
        self.claimedAt = claimedAt
        self.expiresAt = expiresAt
    }

    /// The answer given the first time, marked as a replay.
    var response: Response {
        var headers = HTTPHeaders()
        if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        if let location { headers.replaceOrAdd(name: .location, value: location) }
        headers.replaceOrAdd(name: IdempotencyMiddleware.replayedHeaderName, value: "true")
        return Response(
            status: HTTPResponseStatus(statusCode: status ?? 200), headers: headers,
            body: .init(data: body ?? Data()))
    }
}

struct CreateIdempotencyKeys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(IdempotentRequest.schema)
            .intID()
            .field("agent_id", .int, .required, .references("agents", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("request_digest", .string, .required)
            .field("claimed_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("status", .int)
            .field("content_type", .string)
            .field("location", .string)
            .field("body", .data)
            .unique(on: "agent_id", "key", name: "uq_idempotency_keys_agent_key")
            .create()
        try await database.createIndex(
            "idx_idempotency_keys_expires", on: IdempotentRequest.schema, columns: ["expires_at"])
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IdempotentRequest.schema).delete()
    }
}
