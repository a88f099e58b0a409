import Fluent
import RapportCore
import Vapor

/// The ticket page: the conversation, the composer, the side panel and the requester card.
struct TicketPage: RouteCollection {
    let maximumBodyBytes: Int

    func boot(routes: any RoutesBuilder) throws {
        routes.get("tickets", ":number", use: show)
        routes.on(
            .POST, "tickets", ":number", "messages", body: .collect(maxSize: ByteCount(value: maximumBodyBytes)),
            use: addMessage)
        routes.post("tickets", ":number", "properties", use: updateProperties)
        routes.get("tickets", ":number", "macros", ":macroID", use: applyMacro)
        routes.post("tickets", ":number", "coach", use: coachDraft)
    }

    func show(req: Request) async throws -> Response {
        let number = try req.idParameter("number", naming: "Ticket")
        var composer = ComposerState()
        if let macroID = req.queryString("macro").flatMap(Int.init) {
            let macro = try await req.rapport.macros.render(
                macroID: macroID, ticketID: number, agentID: try req.agent.id, on: req.db)
            composer.body = macro.body
            composer.macroID = macro.id
            composer.macroTitle = macro.title
        }
        if req.queryString("compose") == "note" { composer.kind = "note" }
        // Seeing the ticket is reading what told the agent about it.
        try await req.rapport.notifications.markRead(ticketID: number, agentID: try req.agent.id, on: req.db)
        return try await render(req, number: number, composer: composer)
    }

    struct MessageForm: Decodable {
        var body: String?
        var kind: String?
        var status: String?
        var macroID: String?
        var attachments: [File]?

        enum CodingKeys: String, CodingKey {
            case body, kind, status
            case macroID = "macro_id"
            case attachments
        }
    }

    /// `POST /tickets/:number/messages` — a reply or a note, optionally setting the status, with
    /// the side panel's changes and a macro's field changes applied in the same write. On a
    /// problem the page comes back with the draft and the panel as the agent left them.
    func addMessage(req: Request) async throws -> Response {
        let agent = try req.agent
        let number = try req.idParameter("number", naming: "Ticket")
        let form = try req.content.decode(MessageForm.self)
        let panel = try req.content.decode(TicketPanelForm.self)
        let kind: MessageKind = form.kind == "note" ? .note : .reply
        let macroID = form.macroID.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var composer = ComposerState(kind: kind.rawValue, body: form.body ?? "", macroID: macroID)
        do {
            let sendStatus = try WebForm.optionalChoice(form.status, TicketStatus.self, field: "status")
            let files = (form.attachments ?? []).filter { !$0.filename.isEmpty || $0.data.readableBytes > 0 }.map {
                NewAttachment(
                    filename: $0.filename, contentType: $0.contentType?.serialize() ?? "application/octet-stream",
                    data: Data($0.data.readableBytesView))
            }
            let macro = try await macroID.asyncMap { try await MacroService.find($0, usableBy: agent.id, on: req.db) }
            var changes = try panel.changes(currentAgent: agent.id, legacy: false)
            if let macro {
                changes = changes.filling(from: req.rapport.macros.fieldChanges(of: macro, agentID: agent.id))
            }
            // The status chosen beside Send wins; else a status changed in the panel, else the macro's.
            let status = sendStatus ?? changes.status ?? macro?.setStatus
            changes.status = nil
            let body = (form.body ?? "").withUnixLineEnds
            if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, files.isEmpty,
                macro != nil || !changes.isEmpty || status != nil
            {
                // Nothing to send, only fields to change (a macro without text, or the panel).
                changes.status = status
                try await req.rapport.tickets.update(ticketID: number, with: changes, by: agent.actor, on: req.db)
                return req.redirect(to: "/tickets/\(number)", notice: .ticketUpdated)
            }
            let message = NewMessage(kind: kind, author: .agent, body: body, attachments: files, status: status)
            let messageID = try await req.rapport.tickets.addMessage(
                message, toTicket: number, by: agent.actor, alsoApplying: changes, on: req.db)
            var notice: PageNotice =
                kind == .note
                ? (changes.isEmpty ? .noteAdded : .noteAddedAndUpdated)
                : (changes.isEmpty ? .replySent : .replySentAndUpdated)
            // A caller known only by phone cannot be emailed: say so rather than "sent".
            if kind == .reply, try await OutboundMail.query(on: req.db).filter(\.$messageID == messageID).count() == 0,
                let requester = try await Ticket.find(number, on: req.db)?.requesterID,
                try await CustomerEmail.query(on: req.db).filter(\.$customerID == requester).count() == 0
            {
                notice = .replySavedNotEmailed
            }
            return req.redirect(to: "/tickets/\(number)", notice: notice)
        } catch let error as RapportError where error.status == .unprocessableEntity || error.status == .payloadTooLarge
        {
            composer.error = FormErrorWording.sentence(error)
        } catch let error as TicketTransitionError {
            composer.error = error.description
        }
        return try await render(req, number: number, composer: composer, panel: panel, status: .unprocessableEntity)
    }

    struct DraftForm: Decodable {
        var body: String?
        var kind: String?
        var macroID: String?
        enum CodingKeys: String, CodingKey {
            case body, kind
            case macroID = "macro_id"
        }
    }

    /// `POST /tickets/:number/properties` — "Update ticket": the side panel's changes. A draft in
    /// the composer (the button submits it too) is kept on the page that comes back.
    func updateProperties(req: Request) async throws -> Response {
        let agent = try req.agent
        let number = try req.idParameter("number", naming: "Ticket")
        let panel = try req.content.decode(TicketPanelForm.self)
        let draft = (try? req.content.decode(DraftForm.self)) ?? DraftForm()
        let keptDraft = (draft.body ?? "").withUnixLineEnds
        let composer = ComposerState(
            kind: draft.kind == "note" ? "note" : "reply", body: keptDraft,
            macroID: draft.macroID.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        do {
            let changes = try panel.changes(currentAgent: agent.id, legacy: true)
            try await req.rapport.tickets.update(ticketID: number, with: changes, by: agent.actor, on: req.db)
            guard keptDraft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return try await render(req, number: number, composer: composer, notice: .ticketUpdatedDraftKept)
            }
            return req.redirect(to: "/tickets/\(number)", notice: .ticketUpdated)
        } catch let error as RapportError where error.status == .unprocessableEntity {
            return try await render(
                req, number: number, composer: composer, panel: panel,
                propertiesError: FormErrorWording.sentence(error), status: .unprocessableEntity)
        } catch let error as TicketTransitionError {
            return try await render(
                req, number: number, composer: composer, panel: panel, propertiesError: error.description,
                status: .unprocessableEntity)
        }
    }

    /// `GET /tickets/:number/macros/:macroID` — the macro filled in for this ticket, as JSON for
    /// the composer script.
    func applyMacro(req: Request) async throws -> AppliedMacroDTO {
        let number = try req.idParameter("number", naming: "Ticket")
        let macroID = try req.idParameter("macroID", naming: "Macro")
        let applied = try await req.rapport.macros.render(
            macroID: macroID, ticketID: number, agentID: try req.agent.id, on: req.db)
        return AppliedMacroDTO(
            id: applied.id, title: applied.title, body: applied.body, setStatus: applied.setStatus?.rawValue,
            changes: applied.changes,
            summary: MacroService.appliedSentence(title: applied.title, changes: applied.changes))
    }

    struct CoachDraftRequest: Decodable {
        let draft: String
    }

    /// `POST /tickets/:number/coach` — the coach's findings for the draft in the composer, for the
    /// page script. The customer's name, the last message and its mood come from the ticket.
    func coachDraft(req: Request) async throws -> ReplyAnalysis {
        let number = try req.idParameter("number", naming: "Ticket")
        let input = try req.decodeJSON(CoachDraftRequest.self)
        guard input.draft.count <= CoachService.maximumTextLength else {
            throw RapportError.invalid(["draft": "must be at most \(CoachService.maximumTextLength) characters"])
        }
        let ticket = try await TicketService.find(number, on: req.db)
        return try await req.rapport.tickets.coachReply(
            input.draft, ticket: ticket, agentID: try req.agent.id, on: req.db)
    }

    // MARK: Rendering

    private func render(
        _ req: Request, number: Int, composer: ComposerState, panel submitted: TicketPanelForm? = nil,
        propertiesError: String? = nil,
        notice: PageNotice? = nil, status: HTTPStatus = .ok
    ) async throws -> Response {
        // A fixed number of queries whatever the conversation's length; the people, teams and
        // SLA policies come from the configuration cache.
        let configuration = try await req.rapport.configuration.current(on: req.db)
        let directory = configuration.directory
        async let detailResult = TicketQueries.detail(ticketID: number, on: req.db)
        async let eventsResult = TicketQueries.events(ticketID: number, on: req.db)
        let agentID = try req.agent.id
        async let macrosResult = MacroService.usable(by: agentID, on: req.db)
        let (detail, events, macros) = try await (detailResult, eventsResult, macrosResult)
        let ticket = detail.ticket
        let now = req.rapport.settings.clock.now()
        let requester = try await requesterCard(ticket, now: now, access: try await req.ticketAccess(), on: req.db)
        let mail = try await MailTimeline.load(ticketID: number, on: req.db)
        let sla = try await req.rapport.sla.standings(ticketID: number, configuration: configuration.sla, on: req.db)
        let lastCustomerText = detail.messages.last(where: { $0.author.kind == .customer })?.body ?? ""
        let suggestions = try await req.rapport.knowledgeBase.suggestions(
            for: detail.ticket.subject + "\n" + lastCustomerText, limit: 4, on: req.db)
        let drafts = try await DelayNotice.query(on: req.db).filter(\.$ticketID == number).filter(\.$status == .draft)
            .sort(\.$id).all()

        var items: [(date: Date, order: Int, item: TimelineItem)] = []
        for message in detail.messages {
            let kind = message.kind == .note ? "note" : (message.author.kind == .customer ? "customer" : "reply")
            let label =
                message.kind == .note
                ? "Internal note"
                : message.author.kind == .customer
                    ? "Customer" : message.author.kind == .system ? "Automatic reply" : "Public reply"
            items.append(
                (
                    message.createdAt, message.id * 2,
                    TimelineItem(
                        kind: kind, kindLabel: label, authorName: message.author.name,
                        when: PageDates.relative(message.createdAt, now: now),
                        whenFull: PageDates.full(message.createdAt), iso: PageDates.iso(message.createdAt),
                        body: message.body, eventText: nil, attachments: message.attachments.map(Self.link),
                        hasAttachments: !message.attachments.isEmpty,
                        moodText: message.mood.map {
                            MoodBadge.badges(for: $0).map { $0.label.lowercased() }.joined(separator: " · ")
                        }.flatMap { $0.isEmpty ? nil : $0 },
                        quoted: mail[message.id]?.quoted, cc: mail[message.id]?.cc,
                        delivery: mail[message.id]?.delivery,
                        deliveryFailed: mail[message.id]?.deliveryFailed ?? false,
                        newArticleURL: message.kind == .reply && message.author.kind == .agent
                            ? "/kb/new?from_message=\(message.id)" : nil,
                        bodyHTML: LinkedText.html(message.body)
                    )
                ))
        }
        for event in events {
            guard let field = TicketChange.Field(rawValue: event.field), !TimelineWording.hiddenFields.contains(field)
            else { continue }
            let text = TimelineWording.describe(
                field: field, before: event.before, after: event.after, agentName: directory.agentName,
                teamName: directory.teamName)
            items.append(
                (
                    event.createdAt, event.id * 2 + 1,
                    TimelineItem(
                        kind: "event", kindLabel: "Change", authorName: event.actor.name,
                        when: PageDates.relative(event.createdAt, now: now), whenFull: PageDates.full(event.createdAt),
                        iso: PageDates.iso(event.createdAt),
                        body: nil, eventText: text, attachments: []
                    )
                ))
        }
        // Same instant: the creation first, then the message, then the changes it caused.
        func rank(_ entry: (date: Date, order: Int, item: TimelineItem)) -> Int {
            entry.item.kind != "event" ? 1 : (entry.item.eventText == TimelineWording.createdText ? 0 : 2)
        }
        items.sort { ($0.date, rank($0), $0.order) < ($1.date, rank($1), $1.order) }

        let allowedStatuses =
            [ticket.status]
            + TicketStatus.allCases.filter {
                TicketLifecycle.canTransition(from: ticket.status, to: $0) && $0 != ticket.status
            }
        let sendStatuses: [TicketStatus] = [.open, .pending, .solved].filter {
            $0 != ticket.status && TicketLifecycle.canTransition(from: ticket.status, to: $0)
        }
        var composer = composer
        let chosenMacro = composer.macroID.flatMap { id in macros.first { $0.id == id } }
        let chosenSendStatus = chosenMacro?.setStatus
        if composer.macroTitle == nil { composer.macroTitle = chosenMacro?.title }
        if let chosenMacro {
            composer.macroSummary = MacroService.appliedSentence(
                title: chosenMacro.title,
                changes: MacroService.describeChanges(of: chosenMacro, teamName: directory.teamName))
        }
        composer.replyPlaceholder = "Write to \(ticket.requester.name)…"
        composer.maxAttachmentBytes = req.rapport.attachments.maximumBytes
        composer.maxAttachmentText = FileSize.text(req.rapport.attachments.maximumBytes)
        composer.signature = directory.agents.first { $0.id == agentID }?.signature ?? ""
        // After a refused send the panel shows what the agent had chosen, marked unsaved.
        let shown = submitted?.hasPanel == true ? submitted : nil
        var panel = TicketPanelState(
            status: shown?.ticketStatus ?? ticket.status.rawValue,
            priority: shown?.ticketPriority ?? ticket.priority.rawValue,
            assignee: shown?.ticketAssignee ?? ticket.assignee.map { String($0.id) } ?? "none",
            team: shown?.ticketTeam ?? ticket.team.map { String($0.id) } ?? "none",
            tagsText: shown?.ticketTags ?? ticket.tags.joined(separator: " "),
            originalStatus: shown?.originalStatus ?? ticket.status.rawValue,
            originalPriority: shown?.originalPriority ?? ticket.priority.rawValue,
            originalAssignee: shown?.originalAssignee ?? ticket.assignee.map { String($0.id) } ?? "none",
            originalTeam: shown?.originalTeam ?? ticket.team.map { String($0.id) } ?? "none",
            originalTags: shown?.originalTags ?? ticket.tags.joined(separator: " ")
        )
        panel.noteUnsavedChanges()
        func marked(_ options: [SelectOption], _ value: String) -> [SelectOption] {
            options.map { SelectOption(value: $0.value, label: $0.label, selected: $0.value == value) }
        }

        let context = TicketPageContext(
            page: try req.chrome(title: "#\(ticket.number) \(ticket.subject)", section: "inbox", notice: notice),
            ticket: TicketHeader(
                number: ticket.number, subject: ticket.subject, status: ticket.status.rawValue,
                statusLabel: ticket.status.label,
                priority: ticket.priority.rawValue, priorityLabel: ticket.priority.label,
                channelLabel: ticket.channel.label,
                created: PageDates.relative(ticket.createdAt, now: now), createdFull: PageDates.full(ticket.createdAt),
                tags: ticket.tags, tagsText: ticket.tags.joined(separator: " "), isClosed: ticket.status == .closed,
                moods: detail.messages.last(where: { $0.author.kind == .customer })?.mood.map(MoodBadge.badges) ?? []
            ),
            timeline: items.map(\.item),
            composer: composer,
            sendStatusOptions: [SelectOption(value: "", label: "Send, keep status", selected: chosenSendStatus == nil)]
                + sendStatuses.map {
                    SelectOption(
                        value: $0.rawValue, label: "Send and set \($0.label.lowercased())",
                        selected: $0 == chosenSendStatus)
                },
            macroOptions: macros.filter { $0.ownerAgentID == nil }.compactMap { macro in
                macro.id.map { SelectOption(value: String($0), label: macro.title, selected: $0 == composer.macroID) }
            },
            ownMacroOptions: macros.filter { $0.ownerAgentID != nil }.compactMap { macro in
                macro.id.map { SelectOption(value: String($0), label: macro.title, selected: $0 == composer.macroID) }
            },
            hasOwnMacros: macros.contains { $0.ownerAgentID != nil },
            statusOptions: marked(SelectOption.choices(allowedStatuses, selected: ticket.status), panel.status),
            priorityOptions: marked(
                SelectOption.choices(TicketPriority.allCases, selected: ticket.priority), panel.priority),
            assigneeOptions: marked(directory.assigneeOptions(selected: ticket.assignee?.id), panel.assignee),
            teamOptions: marked(directory.teamOptions(selected: ticket.team?.id), panel.team),
            panel: panel,
            requester: requester,
            attachments: detail.messages.flatMap { $0.attachments.map(Self.link) },
            hasAttachments: detail.messages.contains { !$0.attachments.isEmpty },
            propertiesError: propertiesError,
            sla: sla, hasSLA: !sla.isEmpty,
            delayNotices: drafts.compactMap { notice in
                notice.id.map {
                    DelayNoticeDraft(
                        id: $0, metricLabel: notice.metric.label.lowercased(), body: notice.body,
                        promised: PageDates.full(notice.promisedAt))
                }
            },
            suggestedArticles: suggestions.map {
                SuggestedArticle(title: $0.title, url: req.rapport.settings.publicURL + "/help/articles/" + $0.slug)
            },
            hasSuggestedArticles: !suggestions.isEmpty
        )
        return try await req.page("ticket", context, status: status)
    }

    private func requesterCard(_ ticket: TicketSummaryDTO, now: Date, access: TicketAccess, on db: any Database)
        async throws -> RequesterCard
    {
        let (customers, addresses) = try await CustomerQueries.customersWithAddresses(
            ids: [ticket.requester.id], on: db)
        let customer = customers.first
        var filters = TicketListFilters()
        filters.requesterID = ticket.requester.id
        filters.access = access
        let others = try await TicketQueries.page(filters, after: nil, limit: 6, on: db).tickets.filter {
            $0.number != ticket.number
        }.prefix(5)
        return RequesterCard(
            name: ticket.requester.name, url: "/customers/\(ticket.requester.id)", emails: customer?.emails ?? [],
            phone: customer?.phone, organizationName: customer?.organization?.name,
            organizationURL: customer?.organization.map { "/organizations/\($0.id)" },
            notes: customer.flatMap { $0.notes.isEmpty ? nil : $0.notes },
            churnRiskSince: customer?.churnRiskSince.map(PageDates.full),
            bounceWarning: MailTimeline.bounceWarning(for: addresses),
            otherTickets: others.map { TicketListRow($0, now: now) },
            hasOtherTickets: !others.isEmpty
        )
    }

    private static func link(_ attachment: AttachmentDTO) -> AttachmentLink {
        AttachmentLink(
            filename: attachment.filename, url: "/attachments/\(attachment.id)", size: FileSize.text(attachment.size))
    }
}

struct AppliedMacroDTO: Content {
    let id: Int
    let title: String
    let body: String
    let setStatus: String?
    /// What sending with the macro changes, in words, and the sentence the composer shows.
    let changes: [String]
    let summary: String
}
