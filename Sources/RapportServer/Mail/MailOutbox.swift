import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

/// A message composed and addressed, ready to be written to the outbox.
struct PreparedEmail: Sendable {
    var email: OutgoingEmail
    var recipients: [String]
    var envelopeFrom: String
}

/// Composes the mail Rapport sends — agents' replies and acknowledgements — and writes it to
/// the outbox inside the caller's transaction. Sending is `OutboxSender`'s job.
struct MailOutbox: Sendable {
    let settings: MailSettingsStore
    let clock: any WallClock

    /// The email for a public reply from the team, or nil when mail is not set up or the
    /// requester has no address. Threads under what was emailed on the ticket before, from the
    /// ids alone (never the bodies).
    ///
    /// An `automatic` reply (a delay notice, an automation's email) is marked Auto-Submitted and
    /// counts against the hourly limit of automatic mail per address, so rules cannot flood anyone.
    func prepareReply(
        ticketID: Int, subject ticketSubject: String, requester: TicketRequester, agentName: String?, body: String,
        attachments: [OutgoingAttachment] = [], automatic: Bool = false, mail: MailSettings, in tx: WriteTransaction
    ) async throws -> PreparedEmail? {
        guard mail.canSend, let support = mail.supportAddress, let address = requester.address else { return nil }
        if automatic, try await automaticMailCount(to: address, on: tx.db) >= mail.automaticMessagesPerHour {
            return nil
        }
        struct Emailed: Decodable {
            let messageID: String
            let cc: String?
        }
        let earlier = try await tx.sql.raw(
            """
            SELECT email_message_id AS "messageID", email_cc AS "cc" FROM messages
            WHERE ticket_id = \(bind: ticketID) AND email_message_id IS NOT NULL ORDER BY id DESC LIMIT 20
            """
        ).all(decoding: Emailed.self).reversed()
        let lastFromCustomer = try await tx.sql.raw(
            """
            SELECT email_message_id AS "messageID", email_cc AS "cc" FROM messages
            WHERE ticket_id = \(bind: ticketID) AND email_message_id IS NOT NULL AND author_kind = \(bind: AuthorKind.customer.rawValue)
            ORDER BY id DESC LIMIT 1
            """
        ).first(decoding: Emailed.self)
        let subject = ticketSubject.lowercased().hasPrefix("re:") ? ticketSubject : "Re: " + ticketSubject
        var email = OutgoingEmail(
            from: MailAddress(name: agentName.map { "\($0) (\(mail.fromName))" } ?? mail.fromName, address: support),
            to: [MailAddress(name: requester.name, address: address)],
            subject: TicketSubjectTag.tagged(subject, number: ticketID),
            messageID: OutgoingEmail.newMessageID(ticket: ticketID, domain: mail.messageIDDomain),
            date: clock.now(), text: body
        )
        email.attachments = attachments
        email.inReplyTo = (lastFromCustomer ?? earlier.last)?.messageID
        email.references = earlier.map(\.messageID)
        let excluded = Set([support.lowercased(), address.lowercased()])
        let cc = lastFromCustomer?.cc.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        email.cc = cc.filter { !excluded.contains($0.lowercased()) }.map { MailAddress(name: nil, address: $0) }
        if automatic { email.autoSubmitted = "auto-generated" }
        return PreparedEmail(
            email: email, recipients: [address] + email.cc.map { (address: MailAddress) in address.address },
            envelopeFrom: support)
    }

    /// The automatic acknowledgement of a new ticket, or nil when it is switched off, mail is
    /// not set up, or the address already had its share of automatic mail this hour.
    func prepareAcknowledgement(
        ticketID: Int, subject: String, requester: TicketRequester, inReplyTo: String?, mail: MailSettings,
        in tx: WriteTransaction
    ) async throws -> PreparedEmail? {
        guard mail.canSend, mail.acknowledgement.enabled, let support = mail.supportAddress,
            let address = requester.address
        else { return nil }
        guard try await automaticMailCount(to: address, on: tx.db) < mail.automaticMessagesPerHour else { return nil }
        var values = Self.placeholders(
            customer: requester.customer, ticketID: ticketID, subject: subject, workspace: mail.fromName)
        values["response_time"] = mail.acknowledgement.responseTime
        var email = OutgoingEmail(
            from: MailAddress(name: mail.fromName, address: support),
            to: [MailAddress(name: requester.name, address: address)],
            subject: TicketSubjectTag.tagged(Self.fill(mail.acknowledgement.subject, values), number: ticketID),
            messageID: OutgoingEmail.newMessageID(ticket: ticketID, domain: mail.messageIDDomain),
            date: clock.now(), text: Self.fill(mail.acknowledgement.text, values)
        )
        if let inReplyTo {
            email.inReplyTo = inReplyTo
            email.references = [inReplyTo]
        }
        email.autoSubmitted = "auto-replied"
        return PreparedEmail(email: email, recipients: [address], envelopeFrom: support)
    }

    /// An email to an agent about a ticket (an escalation, say); nil when mail is not set up.
    func prepareNotification(to agent: Agent, subject: String, text: String, ticketID: Int?, in tx: WriteTransaction)
        async throws -> PreparedEmail?
    {
        let mail = try await settings.current(on: tx.db)
        guard mail.canSend, let support = mail.supportAddress else { return nil }
        var email = OutgoingEmail(
            from: MailAddress(name: mail.fromName, address: support),
            to: [MailAddress(name: agent.name, address: agent.email)],
            subject: ticketID.map { TicketSubjectTag.tagged(subject, number: $0) } ?? subject,
            messageID: OutgoingEmail.newMessageID(ticket: ticketID ?? 0, domain: mail.messageIDDomain),
            date: clock.now(), text: text
        )
        email.autoSubmitted = "auto-generated"
        return PreparedEmail(email: email, recipients: [agent.email], envelopeFrom: support)
    }

    /// An email to an agent that is not about a ticket (an invitation, a password link).
    /// Returns false when mail is not set up, so the caller can hand the link over another way.
    func enqueueAgentMail(to agent: Agent, subject: String, text: String, in tx: WriteTransaction) async throws -> Bool
    {
        let mail = try await settings.current(on: tx.db)
        guard mail.canSend, let support = mail.supportAddress else { return false }
        var email = OutgoingEmail(
            from: MailAddress(name: mail.fromName, address: support),
            to: [MailAddress(name: agent.name, address: agent.email)],
            subject: subject, messageID: OutgoingEmail.newMessageID(ticket: 0, domain: mail.messageIDDomain),
            date: clock.now(), text: text
        )
        email.autoSubmitted = "auto-generated"
        try await enqueue(
            PreparedEmail(email: email, recipients: [agent.email], envelopeFrom: support), kind: .notification,
            ticketID: nil, messageID: nil, in: tx)
        return true
    }

    /// Writes the message to the outbox; `notBefore` holds it back (a notification that may
    /// still be joined by the next one).
    func enqueue(
        _ prepared: PreparedEmail, kind: OutboundMail.Kind, ticketID: Int?, messageID: Int?, notBefore: Date? = nil,
        in tx: WriteTransaction
    ) async throws {
        let row = OutboundMail()
        row.ticketID = ticketID
        row.messageID = messageID
        row.kind = kind
        row.envelopeFrom = prepared.envelopeFrom
        row.recipients = String(decoding: try JSONEncoder().encode(prepared.recipients), as: UTF8.self)
        row.primaryRecipient = prepared.recipients.first?.lowercased() ?? ""
        row.emailMessageID = prepared.email.messageID
        row.raw = String(decoding: prepared.email.render(), as: UTF8.self)
        row.status = .queued
        row.attempts = 0
        row.nextAttemptAt = notBefore ?? clock.now()
        row.createdAt = clock.now()
        try await row.create(on: tx.db)
    }

    /// Automatic messages (acknowledgements, notices, rule emails) sent to an address in the last hour.
    private func automaticMailCount(to address: String, on db: any Database) async throws -> Int {
        let since = clock.now().addingTimeInterval(-3600)
        return try await OutboundMail.query(on: db).filter(\.$primaryRecipient == address.lowercased())
            .filter(\.$kind ~~ [.acknowledgement, .automatic]).filter(\.$createdAt > since).count()
    }

    /// The placeholders every message Rapport writes itself offers; callers add their own.
    static func placeholders(customer: Customer?, ticketID: Int, subject: String, workspace: String) -> [String: String]
    {
        [
            "customer.first_name": (customer?.name ?? "").firstName, "customer.name": customer?.name ?? "",
            "ticket.number": String(ticketID), "ticket.subject": subject, "workspace.name": workspace,
        ]
    }

    /// `{{name}}` placeholders replaced by their values; unknown ones left as written.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return result
    }
}
