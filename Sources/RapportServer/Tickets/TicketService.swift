import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

/// Everything that changes a ticket: creation, field updates and new messages, from every
/// channel. A write happens in two steps:
///
/// 1. **Prepare**, outside the write lock: validate, store the files, read the mood or take the
///    coach's view, and load the people the write will need (`prepare`).
/// 2. **Write**, in one transaction (`TicketWrite`): lock and load the ticket once, change it in
///    memory, save the row once, the events in one insert, and the search index.
///
/// The methods that take `on database` open their own transaction; those that take `in tx`
/// run inside their caller's (an inbound email's, a rule's, the SLA check's).
struct TicketService: Sendable {
    let clock: any WallClock
    let attachments: AttachmentStore
    let customers: CustomerService
    let coach: CoachService
    let outbox: MailOutbox
    let sla: SLAService
    let jobs: JobQueue
    let notifications: NotificationService
    let configuration: ConfigurationCache

    // MARK: Writes in a transaction of their own

    /// Creates a ticket with its first message; returns its number.
    func create(
        _ input: NewTicket, by actor: ActingParty, acknowledge: AcknowledgementRequest? = nil, on database: any Database
    ) async throws -> Int {
        let prepared = try await prepare(input, by: actor, on: database)
        return try await database.write { tx in
            try await create(prepared, by: actor, acknowledge: acknowledge, in: tx).ticketID
        }
    }

    /// Adds a reply or note; `changes` (the side panel, a macro's fields) are applied in the
    /// same write, after the message, so a reply and the changes that go with it land together
    /// or not at all. Returns the message's id.
    func addMessage(
        _ message: NewMessage, toTicket ticketID: Int, by actor: ActingParty, alsoApplying changes: TicketUpdate? = nil,
        on database: any Database
    ) async throws -> Int {
        let prepared = try await prepare(message, toTicket: ticketID, by: actor, on: database)
        return try await database.write { tx in
            try await addMessage(prepared, toTicket: ticketID, by: actor, alsoApplying: changes, in: tx).messageID ?? 0
        }
    }

    func update(ticketID: Int, with changes: TicketUpdate, by actor: ActingParty, on database: any Database)
        async throws
    {
        try await database.write { tx in try await update(ticketID: ticketID, with: changes, by: actor, in: tx) }
    }

    // MARK: Writes inside the caller's transaction

    func create(
        _ prepared: PreparedTicket, by actor: ActingParty, acknowledge: AcknowledgementRequest? = nil,
        in tx: WriteTransaction
    ) async throws -> TicketWriteResult {
        let (write, messageID) = try await TicketWrite.create(
            prepared, by: actor, acknowledge: acknowledge, service: self, in: tx)
        try await write.finish()
        return TicketWriteResult(ticketID: write.ticketID, messageID: messageID)
    }

    func addMessage(
        _ prepared: PreparedMessage, toTicket ticketID: Int, by actor: ActingParty,
        alsoApplying changes: TicketUpdate? = nil,
        in tx: WriteTransaction
    ) async throws -> TicketWriteResult {
        let write = try await TicketWrite.begin(ticketID, by: actor, prepared: prepared, service: self, in: tx)
        let messageID = try await write.append(prepared)
        if let changes, !changes.isEmpty { try await write.apply(changes) }
        try await write.finish()
        return TicketWriteResult(ticketID: ticketID, messageID: messageID)
    }

    func update(ticketID: Int, with changes: TicketUpdate, by actor: ActingParty, in tx: WriteTransaction) async throws
    {
        let write = try await TicketWrite.begin(ticketID, by: actor, service: self, in: tx)
        try await write.apply(changes)
        try await write.finish()
    }

    /// Several steps on one ticket as one write (a rule's actions): `steps` appends messages and
    /// applies changes; the ticket is saved once at the end.
    func write(
        ticketID: Int, by actor: ActingParty, in tx: WriteTransaction, _ steps: (TicketWrite) async throws -> Void
    ) async throws {
        let write = try await TicketWrite.begin(ticketID, by: actor, service: self, in: tx)
        try await steps(write)
        try await write.finish()
    }

    /// A reply or note written by Rapport itself (a delay notice), inside the caller's write
    /// transaction. A reply is emailed like an agent's but is not an answer: it neither stops
    /// SLA clocks nor counts as the first response.
    @discardableResult
    func addSystemMessage(_ kind: MessageKind, body: String, toTicket ticketID: Int, in tx: WriteTransaction)
        async throws -> Int
    {
        try await addMessage(Self.systemMessage(kind, body: body), toTicket: ticketID, by: .system, in: tx).messageID
            ?? 0
    }

    /// A message Rapport writes itself: nothing to validate, store or read.
    static func systemMessage(_ kind: MessageKind, body: String) -> PreparedMessage {
        PreparedMessage(message: NewMessage(kind: kind, author: .system, body: body), stored: [])
    }

    // MARK: Preparing, outside the write lock

    /// A new ticket checked, its files stored and its first message read.
    func prepare(_ input: NewTicket, by actor: ActingParty, on db: any Database) async throws -> PreparedTicket {
        var problems = FieldErrors()
        let (subject, tags) = Self.validatedFields(of: input, withMessage: true, into: &problems)
        try problems.throwIfAny()
        var requesterID: Int?
        if case .id(let id) = input.requester { requesterID = id }
        let directory = try await configuration.current(on: db).directory
        try await validateReferences(
            requesterID: requesterID, assigneeID: input.assigneeID, teamID: input.teamID, directory: directory, on: db)
        let stored = try await attachments.store(
            input.firstMessage.attachments, totalLimited: input.firstMessage.author == .agent)
        var message = PreparedMessage(message: input.firstMessage, stored: stored)
        // Read before the write lock is taken: only the write itself needs to hold it.
        if input.firstMessage.author == .customer { message.mood = coach.moods.read(input.firstMessage.body) }
        return PreparedTicket(input: input, subject: subject, tags: tags, message: message)
    }

    /// A new ticket whose first message was prepared already (an email, prepared before it was
    /// known whether it starts a ticket or answers one).
    func prepare(_ input: NewTicket, firstMessage: PreparedMessage) throws -> PreparedTicket {
        var problems = FieldErrors()
        let (subject, tags) = Self.validatedFields(of: input, withMessage: false, into: &problems)
        try problems.throwIfAny()
        return PreparedTicket(input: input, subject: subject, tags: tags, message: firstMessage)
    }

    private static func validatedFields(of input: NewTicket, withMessage: Bool, into problems: inout FieldErrors) -> (
        subject: String, tags: [String]
    ) {
        let subject = problems.requiredText(
            input.subject, field: "subject", maximumLength: TicketLimits.subjectMaximumLength)
        if withMessage { validate(message: input.firstMessage, field: "message", into: &problems) }
        if let status = input.status, status == .closed {
            problems.add("status", "a ticket cannot be created closed; create it solved instead")
        }
        return (subject, normalizedTags(input.tags, field: "tags", into: &problems))
    }

    /// A message checked, its files stored, and what the mood reader or the coach make of it:
    /// both are slow next to the write, and neither needs the ticket as it is at that instant.
    /// `ticketID` is nil for a customer's message whose ticket is decided inside the write.
    func prepare(_ message: NewMessage, toTicket ticketID: Int?, by actor: ActingParty, on db: any Database)
        async throws -> PreparedMessage
    {
        var problems = FieldErrors()
        Self.validate(message: message, field: "", into: &problems)
        if message.author == .customer, message.kind == .note {
            problems.add("kind", "customers can only write replies")
        }
        if message.author == .customer, message.status != nil {
            problems.add("status", "a customer message cannot set the status")
        }
        try problems.throwIfAny()
        let stored = try await attachments.store(
            message.attachments, totalLimited: message.author == .agent && message.kind == .reply)
        var prepared = PreparedMessage(message: message, stored: stored)
        if message.author == .customer {
            prepared.mood = coach.moods.read(message.body)
            return prepared
        }
        guard message.kind == .reply, actor.agentID != nil, let ticketID,
            let ticket = try await Ticket.find(ticketID, on: db)
        else { return prepared }
        let requester = try await TicketRequester.load(ticket.requesterID, on: db)
        let agentName = try await configuration.current(on: db).directory.agentName(actor.agentID)
        prepared.requester = requester
        prepared.coaching = try await coachReply(
            message.body, ticketID: ticketID, customerName: requester.name, agentName: agentName ?? "", on: db)
        return prepared
    }

    /// The coach's view of a reply as it is sent, kept with the message for reports.
    func coachReply(_ body: String, ticket: Ticket, agentID: Int, on db: any Database) async throws -> ReplyAnalysis {
        let customer = try await Customer.find(ticket.requesterID, on: db)
        let agent = try await Agent.find(agentID, on: db)
        return try await coachReply(
            body, ticketID: try ticket.requireID, customerName: customer?.name ?? "", agentName: agent?.name ?? "",
            on: db)
    }

    private func coachReply(_ body: String, ticketID: Int, customerName: String, agentName: String, on db: any Database)
        async throws -> ReplyAnalysis
    {
        struct LastMessage: Decodable {
            let body: String
            let moodUpset: Bool?
        }
        let last = try await db.sql.raw(
            """
            SELECT body AS "body", mood_upset AS "moodUpset" FROM messages
            WHERE ticket_id = \(bind: ticketID) AND author_kind = \(bind: AuthorKind.customer.rawValue) ORDER BY id DESC LIMIT 1
            """
        ).first(decoding: LastMessage.self)
        return coach.coach.analyze(
            ReplyContext(
                draft: body, customerName: customerName, agentName: agentName,
                customerMessage: last?.body, customerUpset: last?.moodUpset ?? false))
    }

    // MARK: Helpers

    static func find(_ ticketID: Int, on database: any Database) async throws -> Ticket {
        guard let ticket = try await Ticket.find(ticketID, on: database) else {
            throw RapportError.notFound("Ticket #\(ticketID)")
        }
        return ticket
    }

    /// The ticket, locked for the rest of the caller's write transaction. On PostgreSQL the row
    /// lock makes concurrent writers to one ticket (a reply, a rule, the SLA check) take turns,
    /// so none of them moves its clocks from a stale reading; SQLite already writes one at a time.
    static func findForUpdate(_ ticketID: Int, on database: any Database) async throws -> Ticket {
        if database.flavor == .postgres {
            _ = try await database.sql.raw("SELECT id FROM tickets WHERE id = \(bind: ticketID) FOR UPDATE").all()
        }
        return try await find(ticketID, on: database)
    }

    static func changesAnything(_ changes: TicketUpdate) -> Bool {
        changes.subject != nil || changes.priority != nil || changes.requesterID != nil
            || changes.assigneeID != .unchanged || changes.teamID != .unchanged
            || changes.tags != nil || !changes.addTags.isEmpty || !changes.removeTags.isEmpty
    }

    /// The files of a reply as the email carries them: images shown in the message, other files
    /// attached. Names and types are the stored, cleaned ones.
    static func emailAttachments(_ files: [NewAttachment], stored: [StoredAttachment]) -> [OutgoingAttachment] {
        zip(files, stored).enumerated().map { index, pair in
            let (file, kept) = pair
            let inline = OutgoingAttachment.isInlineImage(kept.contentType)
            return OutgoingAttachment(
                filename: kept.filename, contentType: kept.contentType, data: file.data,
                contentID: inline ? "image\(index + 1).\(kept.sha256.prefix(16))@rapport" : nil)
        }
    }

    /// The customer a new ticket is for, found or created, inside the write.
    func resolveRequester(_ reference: RequesterReference, now: Date, in tx: WriteTransaction) async throws -> Int {
        switch reference {
        case .id(let id):
            return id  // checked by validateReferences; customers are never deleted
        case .email(let address, let name):
            return try await customers.findOrCreate(email: address, name: name, now: now, in: tx)
        case .contact(let contact):
            return try await customers.findOrCreate(contact: contact, now: now, in: tx)
        }
    }

    /// Checks that the customer, agent and team a change points at exist (and the agent is
    /// active); agents and teams against the cached directory.
    func validateReferences(
        requesterID: Int?, assigneeID: Int?, teamID: Int?, directory: StaffDirectory, on db: any Database
    ) async throws {
        var problems = FieldErrors()
        if let requesterID, try await Customer.find(requesterID, on: db) == nil {
            problems.add("requester_id", "no customer has id \(requesterID)")
        }
        if let assigneeID {
            let agent = directory.agents.first { $0.id == assigneeID }
            if agent == nil {
                problems.add("assignee_id", "no agent has id \(assigneeID)")
            } else if agent?.isActive == false {
                problems.add("assignee_id", "agent \(assigneeID) is deactivated")
            }
        }
        if let teamID, !directory.teams.contains(where: { $0.id == teamID }) {
            problems.add("team_id", "no team has id \(teamID)")
        }
        try problems.throwIfAny()
    }

    static func validate(message: NewMessage, field: String, into problems: inout FieldErrors) {
        let prefix = field.isEmpty ? "" : field + "."
        if message.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, message.attachments.isEmpty {
            problems.add(prefix + "body", "must not be empty")
        }
        if message.body.count > TicketLimits.bodyMaximumLength {
            problems.add(prefix + "body", "must be at most \(TicketLimits.bodyMaximumLength) characters")
        }
        if let html = message.originalHTML, html.utf8.count > TicketLimits.htmlMaximumLength {
            problems.add(prefix + "html", "must be at most \(TicketLimits.htmlMaximumLength) bytes")
        }
        if message.author == .system { problems.add(prefix + "author", "must be customer or agent") }
        if message.attachments.count > TicketLimits.attachmentsMaximumCount {
            problems.add(prefix + "attachments", "at most \(TicketLimits.attachmentsMaximumCount) files per message")
        }
    }

    static func normalizedTags(_ raw: [String], field: String, into problems: inout FieldErrors) -> [String] {
        let (tags, invalid) = TagName.normalize(raw)
        if let bad = invalid.first {
            problems.add(
                field,
                "'\(bad.prefix(60))' is not a valid tag: use letters, digits, '-', '_', '.' or ':' (up to \(TagName.maximumLength))"
            )
        }
        if tags.count > TicketLimits.tagsMaximumCount {
            problems.add(field, "at most \(TicketLimits.tagsMaximumCount) tags")
        }
        return tags
    }
}
