import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

/// Everything that changes a ticket: creation, field updates and new messages. Each operation
/// is one write transaction that also writes the event log and refreshes the search index, so a
/// ticket is never seen half-changed.
struct TicketService: Sendable {
    let clock: any WallClock
    let attachments: AttachmentStore
    let customers: CustomerService
    let coach: CoachService
    let outbox: MailOutbox
    let sla: SLAService
    let jobs: JobQueue
    let notifications: NotificationService

    // MARK: Create

    func create(_ input: NewTicket, by actor: ActingParty, on database: any Database, then hook: TicketWriteHook? = nil) async throws -> Int {
        var problems = FieldErrors()
        let subject = problems.requiredText(input.subject, field: "subject", maximumLength: TicketLimits.subjectMaximumLength)
        Self.validate(message: input.firstMessage, field: "message", into: &problems)
        if let status = input.status, status == .closed {
            problems.add("status", "a ticket cannot be created closed; create it solved instead")
        }
        let tags = Self.normalizedTags(input.tags, field: "tags", into: &problems)
        try problems.throwIfAny()
        var requesterID: Int?
        if case let .id(id) = input.requester { requesterID = id }
        try await validateReferences(requesterID: requesterID, assigneeID: input.assigneeID, teamID: input.teamID, on: database)
        let stored = try await attachments.store(input.firstMessage.attachments, totalLimited: input.firstMessage.author == .agent)
        // Read before the write lock is taken: only the write itself needs to hold it.
        let mood = input.firstMessage.author == .customer ? coach.moods.read(input.firstMessage.body) : nil

        return try await database.writeTransaction { db in
            let now = clock.now()
            let requesterID = try await resolveRequester(input.requester, now: now, on: db)
            let ticket = Ticket()
            ticket.subject = subject
            ticket.status = input.status ?? (input.firstMessage.author == .agent ? .open : .new)
            ticket.priority = input.priority
            ticket.channel = input.channel
            ticket.requesterID = requesterID
            ticket.assigneeID = input.assigneeID
            ticket.teamID = input.teamID
            ticket.createdAt = now
            ticket.updatedAt = now
            ticket.statusChangedAt = now
            if ticket.status == .solved { ticket.solvedAt = now }
            if input.firstMessage.author == .customer, ticket.status == .new || ticket.status == .open {
                ticket.awaitingReplySince = now
            }
            try await ticket.create(on: db)
            let ticketID = try ticket.requireID

            let author: ActingParty = input.firstMessage.author == .customer ? .customer(id: requesterID) : actor
            var moodChanges: [TicketChange] = []
            if let mood {
                moodChanges = try await apply(mood: mood, to: ticket, customerID: requesterID, now: now, on: db)
                if !moodChanges.isEmpty { try await ticket.update(on: db) }
            }
            try await insertMessageAndMail(input.firstMessage, ticket: ticket, author: author, stored: stored, now: now, mood: mood, then: hook, on: db)
            for tag in tags { try await TicketTag(ticketID: ticketID, tag: tag).create(on: db) }
            try await record([TicketChange(field: .created, before: nil, after: ticket.status.rawValue)], ticketID: ticketID, by: actor, now: now, on: db)
            try await record(moodChanges, ticketID: ticketID, by: .system, now: now, on: db)
            try await sla.sync(ticket, event: .created(status: ticket.status, byCustomer: input.firstMessage.author == .customer), now: now, on: db)
            try await ticket.update(on: db)
            try await queueTriggers(.ticketCreated, ticketID: ticketID, on: db)
            try await TicketSearch.reindex(ticketIDs: [ticketID], on: db)
            if let assignee = ticket.assigneeID { try await tellAssigned(assignee, ticket: ticket, by: actor, on: db) }
            return ticketID
        }
    }

    // MARK: Update

    func update(ticketID: Int, with changes: TicketUpdate, by actor: ActingParty, on database: any Database) async throws {
        try await database.writeTransaction { db in try await update(ticketID: ticketID, with: changes, by: actor, within: db) }
    }

    /// The same change inside the caller's write transaction (jobs and automations).
    func update(ticketID: Int, with changes: TicketUpdate, by actor: ActingParty, within db: any Database) async throws {
        var problems = FieldErrors()
        let subject = changes.subject.map { problems.requiredText($0, field: "subject", maximumLength: TicketLimits.subjectMaximumLength) }
        let replacementTags = changes.tags.map { Self.normalizedTags($0, field: "tags", into: &problems) }
        let addTags = Self.normalizedTags(changes.addTags, field: "add_tags", into: &problems)
        let removeTags = Self.normalizedTags(changes.removeTags, field: "remove_tags", into: &problems)
        try problems.throwIfAny()
        func newValue(_ update: FieldUpdate<Int>) -> Int? { if case let .set(value) = update { value } else { nil } }
        try await validateReferences(requesterID: changes.requesterID, assigneeID: newValue(changes.assigneeID), teamID: newValue(changes.teamID), on: db)

        let ticket = try await Self.findForUpdate(ticketID, on: db)
        let now = clock.now()
        var log: [TicketChange] = []

        if let subject, subject != ticket.subject {
            log.append(TicketChange(field: .subject, before: ticket.subject, after: subject))
            ticket.subject = subject
        }
        if let status = changes.status, status != ticket.status {
            try TicketLifecycle.validate(from: ticket.status, to: status)
            log.append(TicketChange(field: .status, before: ticket.status.rawValue, after: status.rawValue))
            apply(status: status, to: ticket, now: now)
        } else if ticket.status == .closed, Self.changesAnything(changes) {
            throw TicketTransitionError(from: .closed, to: .closed)
        }
        if let priority = changes.priority, priority != ticket.priority {
            log.append(TicketChange(field: .priority, before: ticket.priority.rawValue, after: priority.rawValue))
            ticket.priority = priority
        }
        if let requester = changes.requesterID, requester != ticket.requesterID {
            log.append(TicketChange(field: .requester, before: String(ticket.requesterID), after: String(requester)))
            ticket.requesterID = requester
        }
        if case let .set(assignee) = changes.assigneeID, assignee != ticket.assigneeID {
            log.append(TicketChange(field: .assignee, before: ticket.assigneeID.map(String.init), after: assignee.map(String.init)))
            ticket.assigneeID = assignee
        }
        if case let .set(team) = changes.teamID, team != ticket.teamID {
            log.append(TicketChange(field: .team, before: ticket.teamID.map(String.init), after: team.map(String.init)))
            ticket.teamID = team
        }
        log += try await updateTags(ticketID: ticketID, replaceWith: replacementTags, add: addTags, remove: removeTags, on: db)

        guard !log.isEmpty else { return }
        ticket.updatedAt = now
        var slaEvents: [(event: TicketSLAClocks.Event, at: Date)] = []
        if log.contains(where: { $0.field == .priority || $0.field == .requester }) { slaEvents.append((.targetsChanged, now)) }
        if log.contains(where: { $0.field == .status }) { slaEvents.append((.statusChanged(to: ticket.status), now)) }
        if !slaEvents.isEmpty { try await sla.sync(ticket, events: slaEvents, on: db) }
        try await ticket.update(on: db)
        try await record(log, ticketID: ticketID, by: actor, now: now, on: db)
        if log.contains(where: { $0.field == .subject || $0.field == .requester }) {
            try await TicketSearch.reindex(ticketIDs: [ticketID], on: db)
        }
        if log.contains(where: { $0.field == .assignee }), let assignee = ticket.assigneeID {
            try await tellAssigned(assignee, ticket: ticket, by: actor, on: db)
        }
    }

    /// Tells an agent a ticket is now theirs, unless they took it themselves.
    private func tellAssigned(_ agentID: Int, ticket: Ticket, by actor: ActingParty, on db: any Database) async throws {
        guard actor.agentID != agentID else { return }
        let ticketID = try ticket.requireID
        let by = try await actor.agentID.asyncMap { try await Agent.find($0, on: db)?.name } ?? nil
        let text = "Ticket #\(ticketID) “\(ticket.subject)” was assigned to you" + (by.map { " by \($0)." } ?? " automatically.")
        try await notifications.notify([agentID], kind: .assigned, ticketID: ticketID, text: text, emailSubject: "Assigned to you: \(ticket.subject)", on: db)
    }

    /// Tells the assignee their customer wrote.
    private func tellCustomerReplied(_ ticket: Ticket, authorID: Int?, body: String, on db: any Database) async throws {
        guard let assignee = ticket.assigneeID else { return }
        let ticketID = try ticket.requireID
        let name = try await authorID.asyncMap { try await Customer.find($0, on: db)?.name } ?? nil
        let excerpt = body.split(whereSeparator: \.isNewline).joined(separator: " ")
        let quoted = excerpt.count > 140 ? String(excerpt.prefix(140)) + "…" : excerpt
        let text = "\(name ?? "The customer") replied on ticket #\(ticketID) “\(ticket.subject)”: “\(quoted)”"
        try await notifications.notify([assignee], kind: .customerReplied, ticketID: ticketID, text: text, emailSubject: "\(name ?? "Your customer") replied: \(ticket.subject)", on: db)
    }

    // MARK: Messages

    /// Adds a reply or note and moves the ticket along: an agent's first public reply is the
    /// first response; a customer's message brings a pending or solved ticket back to open.
    /// `changes` (the side panel, a macro's fields) are applied in the same transaction, after
    /// the message, so a reply and the changes that go with it land together or not at all.
    func addMessage(_ message: NewMessage, toTicket ticketID: Int, by actor: ActingParty, alsoApplying changes: TicketUpdate? = nil,
                    on database: any Database, then hook: TicketWriteHook? = nil) async throws -> Int {
        var problems = FieldErrors()
        Self.validate(message: message, field: "", into: &problems)
        if message.author == .customer, message.kind == .note { problems.add("kind", "customers can only write replies") }
        if message.author == .customer, message.status != nil { problems.add("status", "a customer message cannot set the status") }
        try problems.throwIfAny()
        let stored = try await attachments.store(message.attachments, totalLimited: message.author == .agent && message.kind == .reply)
        let reading = try await read(message, toTicket: ticketID, by: actor, on: database)
        return try await database.writeTransaction { db in
            let messageID = try await writeMessage(message, toTicket: ticketID, by: actor, stored: stored, reading: reading, then: hook, on: db)
            if let changes, !changes.isEmpty { try await update(ticketID: ticketID, with: changes, by: actor, within: db) }
            return messageID
        }
    }

    /// What the mood reader and the coach make of a message, worked out before the write lock
    /// is taken: both are slow next to the write, and neither needs the ticket as it is at
    /// that instant.
    private struct MessageReading: Sendable {
        var mood: InboundMood?
        var coaching: ReplyAnalysis?
    }

    private func read(_ message: NewMessage, toTicket ticketID: Int, by actor: ActingParty, on db: any Database) async throws -> MessageReading {
        if message.author == .customer { return MessageReading(mood: coach.moods.read(message.body)) }
        guard message.kind == .reply, let agentID = actor.agentID,
              let ticket = try await Ticket.find(ticketID, on: db) else { return MessageReading() }
        return MessageReading(coaching: try await coachReply(message.body, ticket: ticket, agentID: agentID, on: db))
    }

    /// A reply or note written by Rapport itself (a delay notice, an automation), inside the
    /// caller's write transaction. A reply is emailed like an agent's but is not an answer: it
    /// neither stops SLA clocks nor counts as the first response.
    @discardableResult
    func addSystemMessage(_ kind: MessageKind, body: String, toTicket ticketID: Int, within db: any Database) async throws -> Int {
        try await writeMessage(NewMessage(kind: kind, author: .system, body: body), toTicket: ticketID, by: .system, stored: [], reading: MessageReading(), then: nil, on: db)
    }

    private func writeMessage(_ message: NewMessage, toTicket ticketID: Int, by actor: ActingParty, stored: [StoredAttachment],
                              reading: MessageReading, then hook: TicketWriteHook?, on db: any Database) async throws -> Int {
        let ticket = try await Self.findForUpdate(ticketID, on: db)
        let now = clock.now()
        var log: [TicketChange] = []
        // A customer message is the requester's unless the caller names who wrote it (a Cc'd
        // colleague answering by mail).
        let author: ActingParty = message.author == .customer ? .customer(id: actor.customerID ?? ticket.requesterID) : actor

        let newStatus: TicketStatus
        switch (message.author, message.kind) {
        case (.customer, _):
            guard let next = TicketLifecycle.statusAfterCustomerMessage(ticket.status) else {
                throw TicketTransitionError(from: .closed, to: .open)
            }
            newStatus = next
            log.append(TicketChange(field: .customerMessage, before: nil, after: nil))
            if ticket.awaitingReplySince == nil { ticket.awaitingReplySince = now }
        case (.system, .reply):
            newStatus = message.status ?? ticket.status
            log.append(TicketChange(field: .reply, before: nil, after: nil))
        case (_, .reply):
            newStatus = message.status ?? TicketLifecycle.statusAfterAgentReply(ticket.status)
            log.append(TicketChange(field: .reply, before: nil, after: nil))
            ticket.awaitingReplySince = nil
            if ticket.firstResponseAt == nil {
                ticket.firstResponseAt = now
                log.append(TicketChange(field: .firstResponse, before: nil, after: nil))
            }
        case (_, .note):
            newStatus = message.status ?? ticket.status
            log.append(TicketChange(field: .note, before: nil, after: nil))
        }
        if ticket.status == .closed { throw TicketTransitionError(from: .closed, to: newStatus) }
        if newStatus != ticket.status {
            try TicketLifecycle.validate(from: ticket.status, to: newStatus)
            log.append(TicketChange(field: .status, before: ticket.status.rawValue, after: newStatus.rawValue))
            apply(status: newStatus, to: ticket, now: now)
        }

        var moodChanges: [TicketChange] = []
        if let mood = reading.mood {
            moodChanges = try await apply(mood: mood, to: ticket, customerID: ticket.requesterID, now: now, on: db)
        }
        let messageID = try await insertMessageAndMail(message, ticket: ticket, author: author, stored: stored, now: now, mood: reading.mood, coaching: reading.coaching,
                                                       then: hook, on: db)
        ticket.updatedAt = now
        let slaEvent: TicketSLAClocks.Event? = switch (message.author, message.kind) {
        case (.customer, _): .customerMessage(statusAfter: newStatus)
        case (.agent, .reply): .agentReply(statusAfter: newStatus)
        default: log.contains { $0.field == .status } ? .statusChanged(to: newStatus) : nil
        }
        if let slaEvent { try await sla.sync(ticket, event: slaEvent, now: now, on: db) }
        try await ticket.update(on: db)
        try await record(log, ticketID: ticketID, by: author, now: now, on: db)
        try await record(moodChanges, ticketID: ticketID, by: .system, now: now, on: db)
        if message.author == .customer {
            try await queueTriggers(.customerReplied, ticketID: ticketID, on: db)
            try await tellCustomerReplied(ticket, authorID: author.customerID, body: message.body, on: db)
        }
        try await TicketSearch.reindex(ticketIDs: [ticketID], on: db)
        return messageID
    }

    /// Queues the trigger rules for an event, when the workspace has any for it.
    private func queueTriggers(_ trigger: AutomationTrigger, ticketID: Int, on db: any Database) async throws {
        guard try await AutomationRule.query(on: db).filter(\.$enabled == true).filter(\.$trigger == trigger).count() > 0 else { return }
        try await jobs.enqueue(.automationTrigger, payload: AutomationTriggerJob(ticketID: ticketID, trigger: trigger), on: db)
    }

    // MARK: Helpers

    static func find(_ ticketID: Int, on database: any Database) async throws -> Ticket {
        guard let ticket = try await Ticket.find(ticketID, on: database) else { throw RapportError.notFound("Ticket #\(ticketID)") }
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

    private func apply(status: TicketStatus, to ticket: Ticket, now: Date) {
        ticket.status = status
        ticket.statusChangedAt = now
        switch status {
        case .solved:
            ticket.solvedAt = now
            ticket.awaitingReplySince = nil
        case .closed:
            ticket.closedAt = now
            ticket.awaitingReplySince = nil
        case .new, .open, .pending: ticket.solvedAt = nil
        }
    }

    private static func changesAnything(_ changes: TicketUpdate) -> Bool {
        changes.subject != nil || changes.priority != nil || changes.requesterID != nil || changes.assigneeID != .unchanged || changes.teamID != .unchanged
            || changes.tags != nil || !changes.addTags.isEmpty || !changes.removeTags.isEmpty
    }

    /// Raises the priority as the workspace's rule says and flags a customer who may leave.
    /// Returns the priority change for the event log.
    private func apply(mood: InboundMood, to ticket: Ticket, customerID: Int, now: Date, on db: any Database) async throws -> [TicketChange] {
        if mood.churnRisk, let customer = try await Customer.find(customerID, on: db), customer.churnRiskSince == nil {
            customer.churnRiskSince = now
            try await customer.update(on: db)
        }
        let raised = coach.priorityRule.priority(after: mood, current: ticket.priority)
        guard raised != ticket.priority else { return [] }
        let change = TicketChange(field: .priority, before: ticket.priority.rawValue, after: raised.rawValue)
        ticket.priority = raised
        return [change]
    }

    /// The coach's view of a reply as it is sent, kept with the message for reports.
    func coachReply(_ body: String, ticket: Ticket, agentID: Int, on db: any Database) async throws -> ReplyAnalysis {
        let customer = try await Customer.find(ticket.requesterID, on: db)
        let agent = try await Agent.find(agentID, on: db)
        let lastCustomerMessage = try await Message.query(on: db).filter(\.$ticketID == ticket.requireID)
            .filter(\.$authorKind == .customer).sort(\.$id, .descending).first()
        return coach.coach.analyze(ReplyContext(
            draft: body, customerName: customer?.name ?? "", agentName: agent?.name ?? "",
            customerMessage: lastCustomerMessage?.body, customerUpset: lastCustomerMessage?.moodUpset ?? false
        ))
    }

    /// Writes the message and, for an agent's public reply, its email to the outbox (when mail
    /// is set up), then runs the caller's hook — all in the caller's transaction.
    @discardableResult
    private func insertMessageAndMail(_ input: NewMessage, ticket: Ticket, author: ActingParty, stored: [StoredAttachment], now: Date, mood: InboundMood?,
                                      coaching: ReplyAnalysis? = nil, then hook: TicketWriteHook?, on db: any Database) async throws -> Int {
        let ticketID = try ticket.requireID
        let outgoing = input.kind == .reply && input.author != .customer
            ? try await outbox.prepareReply(ticket: ticket, agentID: author.agentID, body: input.body, attachments: Self.emailAttachments(input.attachments, stored: stored),
                                            automatic: input.author == .system, on: db) : nil
        let messageID = try await insertMessage(input, ticketID: ticketID, author: author, stored: stored, now: now, mood: mood, coaching: coaching,
                                                emailMessageID: outgoing?.email.messageID, on: db)
        if let outgoing {
            try await outbox.enqueue(outgoing, kind: input.author == .system ? .automatic : .reply, ticketID: ticketID, messageID: messageID, on: db)
        }
        try await hook?(db, ticketID, messageID)
        return messageID
    }

    /// The files of a reply as the email carries them: images shown in the message, other files
    /// attached. Names and types are the stored, cleaned ones.
    static func emailAttachments(_ files: [NewAttachment], stored: [StoredAttachment]) -> [OutgoingAttachment] {
        zip(files, stored).enumerated().map { index, pair in
            let (file, kept) = pair
            let inline = OutgoingAttachment.isInlineImage(kept.contentType)
            return OutgoingAttachment(filename: kept.filename, contentType: kept.contentType, data: file.data,
                                      contentID: inline ? "image\(index + 1).\(kept.sha256.prefix(16))@rapport" : nil)
        }
    }

    @discardableResult
    private func insertMessage(_ input: NewMessage, ticketID: Int, author: ActingParty, stored: [StoredAttachment], now: Date,
                               mood: InboundMood? = nil, coaching: ReplyAnalysis? = nil, emailMessageID: String? = nil, on db: any Database) async throws -> Int {
        let message = Message()
        message.ticketID = ticketID
        message.kind = input.kind
        message.authorKind = author.kind
        message.authorAgentID = author.agentID
        message.authorCustomerID = author.customerID
        message.body = input.body
        message.originalHTML = input.originalHTML
        message.createdAt = now
        if let mood {
            message.moodSentiment = mood.sentiment
            message.moodUpset = mood.upset
            message.moodChurnRisk = mood.churnRisk
            message.moodUrgent = mood.urgent
        }
        if let email = input.email {
            message.emailMessageID = email.messageID
            message.emailCC = email.cc.isEmpty ? nil : String(decoding: try JSONEncoder().encode(email.cc), as: UTF8.self)
            message.quotedText = email.quotedText
        } else if let emailMessageID {
            message.emailMessageID = emailMessageID
        }
        if let coaching {
            message.coachScore = coaching.score
            message.coachFindings = String(decoding: try JSONEncoder().encode(coaching.findings), as: UTF8.self)
        }
        try await message.create(on: db)
        let messageID = try message.requireID
        for file in stored {
            let attachment = Attachment()
            attachment.ticketID = ticketID
            attachment.messageID = messageID
            attachment.filename = file.filename
            attachment.contentType = file.contentType
            attachment.size = file.size
            attachment.sha256 = file.sha256
            attachment.createdAt = now
            try await attachment.create(on: db)
        }
        return messageID
    }

    private func record(_ changes: [TicketChange], ticketID: Int, by actor: ActingParty, now: Date, on db: any Database) async throws {
        try await TicketEvent.record(changes, ticketID: ticketID, by: actor, at: now, on: db)
    }

    private func updateTags(ticketID: Int, replaceWith replacement: [String]?, add: [String], remove: [String], on db: any Database) async throws -> [TicketChange] {
        guard replacement != nil || !add.isEmpty || !remove.isEmpty else { return [] }
        let current = try await TicketTag.query(on: db).filter(\.$ticketID == ticketID).all()
        let currentNames = Set(current.map(\.tag))
        var wanted = replacement.map(Set.init) ?? currentNames
        wanted.formUnion(add)
        wanted.subtract(remove)
        guard wanted.count <= TicketLimits.tagsMaximumCount else {
            throw RapportError.invalid(["tags": "a ticket can have at most \(TicketLimits.tagsMaximumCount) tags"])
        }
        var log: [TicketChange] = []
        for tag in current where !wanted.contains(tag.tag) {
            try await tag.delete(on: db)
            log.append(TicketChange(field: .tagRemoved, before: tag.tag, after: nil))
        }
        for tag in wanted.subtracting(currentNames).sorted() {
            try await TicketTag(ticketID: ticketID, tag: tag).create(on: db)
            log.append(TicketChange(field: .tagAdded, before: nil, after: tag))
        }
        return log
    }

    private func resolveRequester(_ reference: RequesterReference, now: Date, on db: any Database) async throws -> Int {
        switch reference {
        case let .id(id):
            return id  // checked by validateReferences; customers are never deleted
        case let .email(address, name):
            return try await customers.findOrCreate(email: address, name: name, now: now, on: db)
        case let .contact(contact):
            return try await customers.findOrCreate(contact: contact, now: now, on: db)
        }
    }

    /// Checks that the customer, agent and team a change points at exist (and the agent is active).
    private func validateReferences(requesterID: Int?, assigneeID: Int?, teamID: Int?, on db: any Database) async throws {
        var problems = FieldErrors()
        if let requesterID, try await Customer.find(requesterID, on: db) == nil {
            problems.add("requester_id", "no customer has id \(requesterID)")
        }
        if let assigneeID {
            let agent = try await Agent.find(assigneeID, on: db)
            if agent == nil { problems.add("assignee_id", "no agent has id \(assigneeID)") }
            else if agent?.isActive == false { problems.add("assignee_id", "agent \(assigneeID) is deactivated") }
        }
        if let teamID, try await Team.find(teamID, on: db) == nil {
            problems.add("team_id", "no team has id \(teamID)")
        }
        try problems.throwIfAny()
    }

    private static func validate(message: NewMessage, field: String, into problems: inout FieldErrors) {
        let prefix = field.isEmpty ? "" : field + "."
        if message.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, message.attachments.isEmpty {
            problems.add(prefix + "body", "must not be empty")
        }
        if message.body.count > TicketLimits.bodyMaximumLength { problems.add(prefix + "body", "must be at most \(TicketLimits.bodyMaximumLength) characters") }
        if let html = message.originalHTML, html.utf8.count > TicketLimits.htmlMaximumLength {
            problems.add(prefix + "html", "must be at most \(TicketLimits.htmlMaximumLength) bytes")
        }
        if message.author == .system { problems.add(prefix + "author", "must be customer or agent") }
        if message.attachments.count > TicketLimits.attachmentsMaximumCount {
            problems.add(prefix + "attachments", "at most \(TicketLimits.attachmentsMaximumCount) files per message")
        }
    }

    private static func normalizedTags(_ raw: [String], field: String, into problems: inout FieldErrors) -> [String] {
        let (tags, invalid) = TagName.normalize(raw)
        if let bad = invalid.first {
            problems.add(field, "'\(bad.prefix(60))' is not a valid tag: use letters, digits, '-', '_', '.' or ':' (up to \(TagName.maximumLength))")
        }
        if tags.count > TicketLimits.tagsMaximumCount { problems.add(field, "at most \(TicketLimits.tagsMaximumCount) tags") }
        return tags
    }
}
