import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

/// One write to one ticket, inside one transaction: what it loaded once, what it decided, and
/// what it saves at the end.
///
/// Every channel ends here — an agent's reply, a note, a field change, an email, the contact
/// form, the portal, a rule. The write loads the locked ticket, the acting agent and the cached
/// configuration once, and the requester once when a step needs them; each step (`append`,
/// `apply`) changes the ticket in memory and collects its events; `finish` moves the SLA clocks,
/// saves the ticket row once, records every event in one insert, refreshes the search index and
/// tells whoever must know.
final class TicketWrite {
    let tx: WriteTransaction
    let ticket: Ticket
    /// The requester as loaded (or handed over by `prepare`); read through `requester()`.
    private var knownRequester: TicketRequester?
    let actor: TicketActor
    let configuration: ConfigurationCache.Snapshot
    let now: Date
    private let service: TicketService
    private let isNew: Bool

    private var events: [(change: TicketChange, by: ActingParty)] = []
    private var slaEvents: [TicketSLAClocks.Event] = []
    private var searchIsStale = false
    private var triggers: [AutomationTrigger] = []
    private var customerWrote: (authorID: Int?, body: String)?
    private var acknowledgement: (subject: String, request: AcknowledgementRequest)?
    /// The messages this write added, for the live event log.
    private var addedMessages: [(id: Int, kind: MessageKind, author: ActingParty)] = []

    private init(
        tx: WriteTransaction, ticket: Ticket, requester: TicketRequester?, actor: TicketActor,
        configuration: ConfigurationCache.Snapshot,
        now: Date, service: TicketService, isNew: Bool
    ) {
        self.tx = tx
        self.ticket = ticket
        self.knownRequester = requester
        self.actor = actor
        self.configuration = configuration
        self.now = now
        self.service = service
        self.isNew = isNew
    }

    var ticketID: Int { ticket.id ?? 0 }

    /// The ticket's requester, loaded the first time a step needs them (a note does not).
    func requester() async throws -> TicketRequester {
        if let known = knownRequester, known.id == ticket.requesterID { return known }
        let loaded = try await TicketRequester.load(ticket.requesterID, on: tx.db)
        knownRequester = loaded
        return loaded
    }

    // MARK: Beginning

    /// An existing ticket, locked for the rest of the transaction. `prepared` carries what was
    /// read before the lock (the requester), so nothing is read twice.
    static func begin(
        _ ticketID: Int, by actor: ActingParty, prepared: PreparedMessage? = nil, service: TicketService,
        in tx: WriteTransaction
    ) async throws -> TicketWrite {
        let ticket = try await TicketService.findForUpdate(ticketID, on: tx.db)
        let configuration = try await service.configuration.current(on: tx.db)
        return TicketWrite(
            tx: tx, ticket: ticket, requester: prepared?.requester,
            actor: TicketActor(actor, directory: configuration.directory),
            configuration: configuration, now: service.clock.now(), service: service, isNew: false)
    }

    /// A new ticket with its first message, written once all its fields are known: the row is
    /// inserted once, already carrying its status, priority and SLA deadlines.
    static func create(
        _ prepared: PreparedTicket, by actor: ActingParty, acknowledge: AcknowledgementRequest?, service: TicketService,
        in tx: WriteTransaction
    ) async throws -> (write: TicketWrite, messageID: Int) {
        let input = prepared.input
        let now = service.clock.now()
        let configuration = try await service.configuration.current(on: tx.db)
        let requesterID = try await service.resolveRequester(input.requester, now: now, in: tx)
        let acting = TicketActor(actor, directory: configuration.directory)

        let ticket = Ticket()
        ticket.subject = prepared.subject
        let first = input.firstMessage
        ticket.status = input.status ?? (first.author == .agent ? .open : .new)
        ticket.priority = input.priority
        ticket.channel = input.channel
        ticket.requesterID = requesterID
        ticket.assigneeID = input.assigneeID
        ticket.teamID = input.teamID
        ticket.createdAt = now
        ticket.updatedAt = now
        ticket.statusChangedAt = now
        if ticket.status == .solved { ticket.solvedAt = now }
        if first.author == .customer, ticket.status == .new || ticket.status == .open {
            ticket.awaitingReplySince = now
        }

        let write = TicketWrite(
            tx: tx, ticket: ticket, requester: nil, actor: acting, configuration: configuration, now: now,
            service: service, isNew: true)
        write.record(TicketChange(field: .created, before: nil, after: ticket.status.rawValue), by: actor)
        if let mood = prepared.message.mood { try await write.apply(mood: mood) }
        write.slaEvents.append(.created(status: ticket.status, byCustomer: first.author == .customer))
        let plan = try await write.slaPlan(rows: [])
        if let plan { service.sla.updateTicketColumns(ticket, clocks: plan.clocks, configuration: configuration.sla) }
        try await ticket.create(on: tx.db)
        let ticketID = try ticket.requireID
        if let plan { try await service.sla.persist(plan, ticketID: ticketID, in: tx) }
        write.slaEvents = []

        let author: ActingParty = first.author == .customer ? .customer(id: requesterID) : actor
        let messageID = try await write.insertMessage(prepared.message, author: author)
        try await write.insertTags(prepared.tags)
        write.searchIsStale = true
        write.triggers.append(.ticketCreated)
        if let acknowledge { write.acknowledgement = (prepared.subject, acknowledge) }
        return (write, messageID)
    }

    // MARK: Steps

    /// Adds a reply or note and moves the ticket along: an agent's first public reply is the
    /// first response; a customer's message brings a pending or solved ticket back to open.
    @discardableResult
    func append(_ prepared: PreparedMessage) async throws -> Int {
        let message = prepared.message
        // A customer message is the requester's unless the caller names who wrote it (a Cc'd
        // colleague answering by mail).
        let author: ActingParty =
            message.author == .customer ? .customer(id: actor.party.customerID ?? ticket.requesterID) : actor.party
        let newStatus: TicketStatus
        switch (message.author, message.kind) {
        case (.customer, _):
            guard let next = TicketLifecycle.statusAfterCustomerMessage(ticket.status) else {
                throw TicketTransitionError(from: .closed, to: .open)
            }
            newStatus = next
            record(TicketChange(field: .customerMessage, before: nil, after: nil), by: author)
            if ticket.awaitingReplySince == nil { ticket.awaitingReplySince = now }
        case (.system, .reply):
            newStatus = message.status ?? ticket.status
            record(TicketChange(field: .reply, before: nil, after: nil), by: author)
        case (_, .reply):
            newStatus = message.status ?? TicketLifecycle.statusAfterAgentReply(ticket.status)
            record(TicketChange(field: .reply, before: nil, after: nil), by: author)
            ticket.awaitingReplySince = nil
            if ticket.firstResponseAt == nil {
                ticket.firstResponseAt = now
                record(TicketChange(field: .firstResponse, before: nil, after: nil), by: author)
            }
        case (_, .note):
            newStatus = message.status ?? ticket.status
            record(TicketChange(field: .note, before: nil, after: nil), by: author)
        }
        if ticket.status == .closed { throw TicketTransitionError(from: .closed, to: newStatus) }
        let statusChanges = newStatus != ticket.status
        if statusChanges {
            try TicketLifecycle.validate(from: ticket.status, to: newStatus)
            record(TicketChange(field: .status, before: ticket.status.rawValue, after: newStatus.rawValue), by: author)
            setStatus(newStatus)
        }
        if let mood = prepared.mood { try await apply(mood: mood) }
        let messageID = try await insertMessage(prepared, author: author)
        ticket.updatedAt = now
        switch (message.author, message.kind) {
        case (.customer, _): slaEvents.append(.customerMessage(statusAfter: newStatus))
        case (.agent, .reply): slaEvents.append(.agentReply(statusAfter: newStatus))
        default: if statusChanges { slaEvents.append(.statusChanged(to: newStatus)) }
        }
        if message.author == .customer {
            triggers.append(.customerReplied)
            customerWrote = (author.customerID, message.body)
        }
        searchIsStale = true
        return messageID
    }

    /// Field changes: subject, status, priority, requester, assignee, team, tags. Validated
    /// here; people and teams are checked against the cached directory.
    func apply(_ changes: TicketUpdate) async throws {
        var problems = FieldErrors()
        let subject = changes.subject.map {
            problems.requiredText($0, field: "subject", maximumLength: TicketLimits.subjectMaximumLength)
        }
        let replacementTags = changes.tags.map { TicketService.normalizedTags($0, field: "tags", into: &problems) }
        let addTags = TicketService.normalizedTags(changes.addTags, field: "add_tags", into: &problems)
        let removeTags = TicketService.normalizedTags(changes.removeTags, field: "remove_tags", into: &problems)
        try problems.throwIfAny()
        func newValue(_ update: FieldUpdate<Int>) -> Int? { if case .set(let value) = update { value } else { nil } }
        try await service.validateReferences(
            requesterID: changes.requesterID, assigneeID: newValue(changes.assigneeID),
            teamID: newValue(changes.teamID),
            directory: configuration.directory, on: tx.db)
        let by = actor.party
        var changed: [TicketChange.Field] = []
        func note(_ change: TicketChange) {
            record(change, by: by)
            changed.append(change.field)
        }
        if let subject, subject != ticket.subject {
            note(TicketChange(field: .subject, before: ticket.subject, after: subject))
            ticket.subject = subject
        }
        if let status = changes.status, status != ticket.status {
            try TicketLifecycle.validate(from: ticket.status, to: status)
            note(TicketChange(field: .status, before: ticket.status.rawValue, after: status.rawValue))
            setStatus(status)
        } else if ticket.status == .closed, TicketService.changesAnything(changes) {
            throw TicketTransitionError(from: .closed, to: .closed)
        }
        if let priority = changes.priority, priority != ticket.priority {
            note(TicketChange(field: .priority, before: ticket.priority.rawValue, after: priority.rawValue))
            ticket.priority = priority
        }
        if let requesterID = changes.requesterID, requesterID != ticket.requesterID {
            note(TicketChange(field: .requester, before: String(ticket.requesterID), after: String(requesterID)))
            ticket.requesterID = requesterID
        }
        if case .set(let assignee) = changes.assigneeID, assignee != ticket.assigneeID {
            note(
                TicketChange(
                    field: .assignee, before: ticket.assigneeID.map(String.init), after: assignee.map(String.init)))
            ticket.assigneeID = assignee
        }
        if case .set(let team) = changes.teamID, team != ticket.teamID {
            note(TicketChange(field: .team, before: ticket.teamID.map(String.init), after: team.map(String.init)))
            ticket.teamID = team
        }
        for change in try await updateTags(replaceWith: replacementTags, add: addTags, remove: removeTags) {
            note(change)
        }
        guard !changed.isEmpty else { return }
        ticket.updatedAt = now
        if changed.contains(.priority) || changed.contains(.requester) { slaEvents.append(.targetsChanged) }
        if changed.contains(.status) { slaEvents.append(.statusChanged(to: ticket.status)) }
        if changed.contains(.subject) || changed.contains(.requester) { searchIsStale = true }
    }

    // MARK: Finishing

    /// Saves everything the steps decided: the SLA clocks, the ticket row (once), the events (in
    /// one insert), the search index, the rules to run and the people to tell.
    func finish() async throws {
        let ticketID = try ticket.requireID
        if !slaEvents.isEmpty, !configuration.sla.policies.isEmpty {
            let rows = try await TicketSLAClock.query(on: tx.db).filter(\.$ticketID == ticketID).all()
            if let plan = try await slaPlan(rows: rows) {
                try await service.sla.persist(plan, ticketID: ticketID, in: tx)
                service.sla.updateTicketColumns(ticket, clocks: plan.clocks, configuration: configuration.sla)
            }
        }
        if ticket.hasChanges { try await ticket.update(on: tx.db) }
        try await TicketEvent.record(events.map { ($0.change, $0.by) }, ticketID: ticketID, at: now, in: tx)
        publishLiveEvents()
        if searchIsStale { try await TicketSearch.reindex(ticketIDs: [ticketID], on: tx.db) }
        for trigger in triggers where configuration.triggers.contains(trigger) {
            try await service.jobs.enqueue(
                .automationTrigger, payload: AutomationTriggerJob(ticketID: ticketID, trigger: trigger), in: tx)
        }
        if let (subject, request) = acknowledgement,
            let prepared = try await service.outbox.prepareAcknowledgement(
                ticketID: ticketID, subject: subject, requester: try await requester(),
                inReplyTo: request.inReplyTo, mail: configuration.mail, in: tx)
        {
            try await service.outbox.enqueue(
                prepared, kind: .acknowledgement, ticketID: ticketID, messageID: nil, in: tx)
        }
        try await tellAssignee()
    }

    // MARK: Parts

    /// What the screens following the log learn of this write: a new ticket, each message, and
    /// which fields changed — with the ticket's team and assignee after it, which decide who
    /// may see it.
    private func publishLiveEvents() {
        var base = LiveEventDraft(kind: .ticketUpdated, at: now)
        base.ticketID = ticket.id
        base.teamID = ticket.teamID
        base.assigneeID = ticket.assigneeID
        base.actorAgentID = actor.party.agentID
        func publish(_ kind: LiveEvent.Kind, _ data: LiveEventData) {
            var event = base
            event.kind = kind
            event.data = data
            tx.publish(event)
        }
        if isNew { publish(.ticketCreated, LiveEventData(subject: ticket.subject, status: ticket.status.rawValue)) }
        for message in addedMessages {
            publish(
                .messageAdded,
                LiveEventData(
                    status: ticket.status.rawValue, messageID: message.id, messageKind: message.kind.rawValue,
                    authorKind: message.author.kind.rawValue))
        }
        let fields = Self.liveFields(events.map(\.change.field))
        if !isNew, !fields.isEmpty {
            publish(
                .ticketUpdated, LiveEventData(subject: ticket.subject, status: ticket.status.rawValue, fields: fields))
        }
    }

    /// The names of the changed fields a screen shows, once each, in a fixed order.
    static func liveFields(_ changed: [TicketChange.Field]) -> [String] {
        let shown: [TicketChange.Field] = [
            .subject, .status, .priority, .requester, .assignee, .team, .tagAdded, .tagRemoved,
        ]
        var names: [String] = []
        for field in shown where changed.contains(field) {
            let name = field == .tagAdded || field == .tagRemoved ? "tags" : field.rawValue
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// An event for the history that no step records itself (a rule's note that it acted).
    func record(_ change: TicketChange, by actor: ActingParty) {
        events.append((change, actor))
    }

    private func setStatus(_ status: TicketStatus) {
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

    private func slaPlan(rows: [TicketSLAClock]) async throws -> SLAService.Plan? {
        guard !rows.isEmpty || configuration.sla.policies.contains(where: \.enabled) else { return nil }
        let customer = try await requester().customer
        return service.sla.plan(
            priority: ticket.priority, organizationID: customer.organizationID, tier: customer.tier,
            events: slaEvents.map { ($0, now) }, rows: rows, configuration: configuration.sla)
    }

    /// Raises the priority as the workspace's rule says and flags a customer who may leave.
    private func apply(mood: InboundMood) async throws {
        if mood.churnRisk {
            let customer = try await requester().customer
            if customer.churnRiskSince == nil {
                customer.churnRiskSince = now
                try await customer.update(on: tx.db)
            }
        }
        let raised = service.coach.priorityRule.priority(after: mood, current: ticket.priority)
        guard raised != ticket.priority else { return }
        record(TicketChange(field: .priority, before: ticket.priority.rawValue, after: raised.rawValue), by: .system)
        ticket.priority = raised
    }

    /// The message row, its files, and for a public reply from the team its email in the outbox.
    private func insertMessage(_ prepared: PreparedMessage, author: ActingParty) async throws -> Int {
        let input = prepared.message
        let ticketID = try ticket.requireID
        let outgoing =
            input.kind == .reply && input.author != .customer
            ? try await service.outbox.prepareReply(
                ticketID: ticketID, subject: ticket.subject, requester: try await requester(),
                agentName: author.agentID == nil ? nil : actor.agentName, body: input.body,
                attachments: TicketService.emailAttachments(input.attachments, stored: prepared.stored),
                automatic: input.author == .system,
                mail: configuration.mail, in: tx)
            : nil
        let message = Message()
        message.ticketID = ticketID
        message.kind = input.kind
        message.authorKind = author.kind
        message.authorAgentID = author.agentID
        message.authorCustomerID = author.customerID
        message.body = input.body
        message.originalHTML = input.originalHTML
        message.createdAt = now
        if let mood = prepared.mood {
            message.moodSentiment = mood.sentiment
            message.moodUpset = mood.upset
            message.moodChurnRisk = mood.churnRisk
            message.moodUrgent = mood.urgent
        }
        if let email = input.email {
            message.emailMessageID = email.messageID
            message.emailCC =
                email.cc.isEmpty ? nil : String(decoding: try JSONEncoder().encode(email.cc), as: UTF8.self)
            message.quotedText = email.quotedText
        } else if let outgoing {
            message.emailMessageID = outgoing.email.messageID
        }
        if let coaching = prepared.coaching {
            message.coachScore = coaching.score
            message.coachFindings = String(decoding: try JSONEncoder().encode(coaching.findings), as: UTF8.self)
        }
        try await message.create(on: tx.db)
        let messageID = try message.requireID
        addedMessages.append((messageID, input.kind, author))
        if !prepared.stored.isEmpty {
            var insert = tx.sql.insert(into: Attachment.schema).columns(
                "ticket_id", "message_id", "filename", "content_type", "size", "sha256", "created_at")
            for file in prepared.stored {
                insert = insert.values(
                    ticketID, messageID, file.filename, file.contentType, file.size, file.sha256, now)
            }
            try await insert.run()
        }
        if let outgoing {
            try await service.outbox.enqueue(
                outgoing, kind: input.author == .system ? .automatic : .reply, ticketID: ticketID, messageID: messageID,
                in: tx)
        }
        return messageID
    }

    private func insertTags(_ tags: [String]) async throws {
        guard !tags.isEmpty else { return }
        var insert = tx.sql.insert(into: TicketTag.schema).columns("ticket_id", "tag")
        for tag in tags { insert = insert.values(ticketID, tag) }
        try await insert.run()
    }

    private func updateTags(replaceWith replacement: [String]?, add: [String], remove: [String]) async throws
        -> [TicketChange]
    {
        guard replacement != nil || !add.isEmpty || !remove.isEmpty else { return [] }
        let current = try await TicketTag.query(on: tx.db).filter(\.$ticketID == ticketID).all()
        let currentNames = Set(current.map(\.tag))
        var wanted = replacement.map(Set.init) ?? currentNames
        wanted.formUnion(add)
        wanted.subtract(remove)
        guard wanted.count <= TicketLimits.tagsMaximumCount else {
            throw RapportError.invalid(["tags": "a ticket can have at most \(TicketLimits.tagsMaximumCount) tags"])
        }
        var log: [TicketChange] = []
        let dropped = current.filter { !wanted.contains($0.tag) }
        if !dropped.isEmpty {
            try await TicketTag.query(on: tx.db).filter(\.$id ~~ dropped.compactMap(\.id)).delete()
            log += dropped.map { TicketChange(field: .tagRemoved, before: $0.tag, after: nil) }
        }
        let added = wanted.subtracting(currentNames).sorted()
        try await insertTags(added)
        log += added.map { TicketChange(field: .tagAdded, before: nil, after: $0) }
        return log
    }

    /// Tells an agent a ticket became theirs (unless they took it), and the assignee that their
    /// customer wrote.
    private func tellAssignee() async throws {
        let ticketID = try ticket.requireID
        let assignment = events.last { $0.change.field == .assignee }
        if let assignee = ticket.assigneeID, isNew || assignment != nil, actor.party.agentID != assignee {
            let by = actor.agentName
            let text =
                "Ticket #\(ticketID) “\(ticket.subject)” was assigned to you"
                + (by.map { " by \($0)." } ?? " automatically.")
            try await service.notifications.notify(
                [assignee], kind: .assigned, ticketID: ticketID, text: text,
                emailSubject: "Assigned to you: \(ticket.subject)", in: tx)
        }
        if let wrote = customerWrote, let assignee = ticket.assigneeID {
            let ticketRequester = try await requester()
            let name =
                wrote.authorID == ticketRequester.id
                ? ticketRequester.name
                : try await wrote.authorID.asyncMap { try await Customer.find($0, on: tx.db)?.name } ?? nil
            let excerpt = wrote.body.split(whereSeparator: \.isNewline).joined(separator: " ")
            let quoted = excerpt.count > 140 ? String(excerpt.prefix(140)) + "…" : excerpt
            let text = "\(name ?? "The customer") replied on ticket #\(ticketID) “\(ticket.subject)”: “\(quoted)”"
            try await service.notifications.notify(
                [assignee], kind: .customerReplied, ticketID: ticketID, text: text,
                emailSubject: "\(name ?? "Your customer") replied: \(ticket.subject)", in: tx)
        }
    }
}
