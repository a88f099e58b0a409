import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit
import Vapor

/// What became of one inbound message.
struct InboundResult: Sendable, Content, Equatable {
    enum Outcome: String, Codable, Sendable {
        /// A new ticket was opened.
        case created
        /// The message was added to an existing ticket.
        case appended
        /// The same message (by Message-ID) was stored before; nothing changed.
        case duplicate
        /// A delivery failure report: the address is marked bouncing and the ticket told.
        case bounce
        /// Not stored, for the reason given (our own mail coming back, no sender).
        case ignored
    }

    var outcome: Outcome
    var ticketID: Int?
    var messageID: Int?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case outcome
        case ticketID = "ticket_id"
        case messageID = "message_id"
        case reason
    }
}

/// Turns one raw email into a ticket message: parse, classify, thread, find or create the
/// customer, store the new text with its quoted history and attachments, and acknowledge a
/// new ticket — all in one transaction, so the caller acknowledges the source (IMAP flag,
/// exit code, HTTP status) only after the message is safe.
struct InboundMailService: Sendable {
    let tickets: TicketService
    let outbox: MailOutbox
    let settings: MailSettingsStore
    let attachments: AttachmentStore
    let clock: any WallClock

    /// Larger raw messages are refused (the MTA or mailbox keeps them).
    static let maximumMessageBytes = 40 * 1024 * 1024

    /// Reads the message outside the write lock (parsing, the files, the mood), then stores it
    /// in one write transaction: the duplicate check, a bouncing address cleared, the threading,
    /// the customer found or created, and the ticket created or answered all commit together.
    func receive(_ raw: [UInt8], on database: any Database) async throws -> InboundResult {
        guard raw.count <= Self.maximumMessageBytes else {
            throw RapportError(
                .payloadTooLarge, code: "message_too_large",
                reason: "The message is \(raw.count) bytes; at most \(Self.maximumMessageBytes) are accepted.")
        }
        guard !raw.isEmpty else {
            throw RapportError.badRequest(
                "The message is empty: send the raw RFC 5322 message as the request body.", code: "empty_message")
        }
        let message = ParsedEmail(bytes: raw)
        let classification = MailClassification.classify(message)
        let key =
            message.messageID.map { String(Self.storable($0).prefix(900)) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? "sha256.\(SHA256.hex(of: Data(raw)))@rapport.invalid"
        let mail = try await settings.current(on: database)

        // Checked again inside the write; this first look only saves storing the files again.
        if try await Self.isStored(key, on: database) { return Self.duplicate(key) }
        if let bounce = classification.bounce {
            return try await recordBounce(bounce, key: key, on: database)
        }
        guard let sender = message.replyAddress, let senderAddress = try? EmailAddress(sender.address) else {
            return InboundResult(
                outcome: .ignored, reason: "the message has no usable sender address (From or Reply-To)")
        }
        if let support = mail.supportAddress, senderAddress.normalized == support.lowercased() {
            return InboundResult(outcome: .ignored, reason: "the message was sent from this help desk's own address")
        }

        let content = try await storableContent(message, raw: raw)
        let reply = ReplyText(content.text)
        let cc = message.cc.map { Self.storable($0.address) }.filter {
            !$0.isEmpty && $0.lowercased() != mail.supportAddress?.lowercased()
        }
        let fields = InboundEmailFields(messageID: key, cc: Array(cc.prefix(50)), quotedText: reply.quoted)
        let body = reply.newText.isEmpty && content.attachments.isEmpty ? "(This message had no text.)" : reply.newText
        let newMessage = NewMessage(
            kind: .reply, author: .customer, body: body, originalHTML: content.html, attachments: content.attachments,
            email: fields)
        let prepared = try await tickets.prepare(newMessage, toTicket: nil, by: .system, on: database)
        let subject =
            (message.subject.map { TicketSubjectTag.removingTags(from: Self.storable($0)) }?.trimmingCharacters(
                in: .whitespacesAndNewlines))
            .flatMap { $0.isEmpty ? nil : $0 } ?? "(no subject)"
        let senderName = sender.name.map(Self.storable)
        // A sender the receiving server could not verify is not answered automatically (the
        // address may be someone else's), never joins an existing ticket, and is marked.
        let authentication = SenderAuthentication(message.headers).flatMap { $0.failed ? $0 : nil }
        let acknowledgement =
            classification.suppressesAutomaticReplies || authentication != nil
            ? nil : AcknowledgementRequest(inReplyTo: key)
        let newTicket = try tickets.prepare(
            NewTicket(
                subject: String(subject.prefix(TicketLimits.subjectMaximumLength)),
                requester: .email(senderAddress.value, name: senderName),
                firstMessage: newMessage, channel: .email, tags: authentication == nil ? [] : [Self.unverifiedSenderTag]
            ),
            firstMessage: prepared)

        do {
            return try await database.write { tx in
                if try await Self.isStored(key, on: tx.db) { return Self.duplicate(key) }
                let now = clock.now()
                // Mail from an address that bounced before shows it works again.
                try await CustomerEmail.query(on: tx.db).filter(\.$normalized == senderAddress.normalized).filter(
                    \.$bouncingSince != nil
                )
                .set(\.$bouncingSince, to: nil).set(\.$bounceReason, to: nil).update()
                let threaded = try await threadedTicket(message, sender: senderAddress, on: tx.db)
                if let ticketID = threaded, let authentication {
                    let written = try await tickets.create(newTicket, by: .system, acknowledge: nil, in: tx)
                    try await tickets.addSystemMessage(
                        .note,
                        body: Self.unverifiedReplyNote(ticketID: ticketID, sender: senderAddress, authentication),
                        toTicket: written.ticketID, in: tx)
                    return InboundResult(
                        outcome: .created, ticketID: written.ticketID, messageID: written.messageID,
                        reason: "not added to #\(ticketID): the sender was not verified (\(authentication.summary))")
                }
                if let ticketID = threaded {
                    let senderID = try await tickets.customers.findOrCreate(
                        email: senderAddress.value, name: senderName, now: now, in: tx)
                    let written = try await tickets.addMessage(
                        prepared, toTicket: ticketID, by: .customer(id: senderID), in: tx)
                    return InboundResult(outcome: .appended, ticketID: ticketID, messageID: written.messageID)
                }
                let written = try await tickets.create(newTicket, by: .system, acknowledge: acknowledgement, in: tx)
                let unanswered =
                    classification.reason ?? authentication.map { "the sender was not verified (\($0.summary))" }
                return InboundResult(
                    outcome: .created, ticketID: written.ticketID, messageID: written.messageID,
                    reason: unanswered.map { "no acknowledgement: \($0)" })
            }
        } catch {
            guard let databaseError = error as? any DatabaseError, databaseError.isConstraintFailure else {
                throw error
            }
            // The same message delivered twice at the same moment (on PostgreSQL, by two
            // instances): the unique Message-ID let one of them in.
            if try await Self.isStored(key, on: database) {
                return InboundResult(
                    outcome: .duplicate, reason: "a message with Message-ID <\(key)> was stored at the same time")
            }
            throw error
        }
    }

    /// Marks a ticket whose first message came from a sender the receiving server could not verify.
    static let unverifiedSenderTag = "unverified-sender"

    private static func unverifiedReplyNote(ticketID: Int, sender: EmailAddress, _ check: SenderAuthentication)
        -> String
    {
        """
        This message says it is from \(sender.value) and answers ticket #\(ticketID), but the receiving mail \
        server could not verify the sender (\(check.summary)), so it was not added to #\(ticketID) and no \
        acknowledgement was sent. If it is genuine, answer it here (the reply goes to \(sender.value)); if not, \
        it may be an attempt to write into someone else's conversation.
        """
    }

    private static func isStored(_ key: String, on db: any Database) async throws -> Bool {
        try await Message.query(on: db).filter(\.$emailMessageID == key).first() != nil
    }

    private static func duplicate(_ key: String) -> InboundResult {
        InboundResult(outcome: .duplicate, reason: "a message with Message-ID <\(key)> was stored before")
    }

    /// The ticket a message answers: our Message-IDs in In-Reply-To/References first, then a
    /// `[#N]` tag in the subject when the sender is on that ticket; nil for a new ticket.
    /// Closed tickets are not reopened by mail; the answer starts a new ticket.
    private func threadedTicket(_ message: ParsedEmail, sender: EmailAddress, on db: any Database) async throws -> Int?
    {
        let ids = Array((message.inReplyTo + message.references.reversed()).prefix(50))
        if !ids.isEmpty,
            let known = try await Message.query(on: db).filter(\.$emailMessageID ~~ ids).sort(\.$id, .descending)
                .first(),
            let ticket = try await Ticket.find(known.ticketID, on: db), ticket.status != .closed
        {
            return known.ticketID
        }
        guard let number = message.subject.flatMap(TicketSubjectTag.number(in:)),
            let ticket = try await Ticket.find(number, on: db), ticket.status != .closed,
            let senderRow = try await CustomerEmail.query(on: db).filter(\.$normalized == sender.normalized).first()
        else { return nil }
        if senderRow.customerID == ticket.requesterID { return number }
        let wroteBefore =
            try await Message.query(on: db).filter(\.$ticketID == number).filter(
                \.$authorCustomerID == senderRow.customerID
            ).count() > 0
        return wroteBefore ? number : nil
    }

    private struct StorableContent {
        var text: String
        var html: String?
        var attachments: [NewAttachment]
    }

    /// The message cut to what a ticket holds. Whatever does not fit (an attachment over the
    /// size limit, text past the length limit, a message read with warnings) is kept by also
    /// attaching the original message, and the text says so.
    private func storableContent(_ message: ParsedEmail, raw: [UInt8]) async throws -> StorableContent {
        var notes: [String] = []
        var files: [NewAttachment] = []
        for attachment in message.attachments {
            if attachment.data.count > attachments.maximumBytes {
                notes.append(
                    "The attachment '\(attachment.filename)' (\(attachment.data.count / 1_048_576) MB) is larger than the limit and is only in the original message."
                )
            } else if files.count >= TicketLimits.attachmentsMaximumCount - 1 {
                notes.append(
                    "'\(attachment.filename)' and later attachments are only in the original message (at most \(TicketLimits.attachmentsMaximumCount) files per message)."
                )
                break
            } else {
                files.append(
                    NewAttachment(
                        filename: attachment.filename, contentType: attachment.contentType, data: attachment.data))
            }
        }
        let read = InboundMessageText.of(message)
        var text = read.text
        if read.wasCut {
            notes.append("The text was longer than a message holds; the rest is in the original message.")
        }
        var html = message.html.map(Self.storable)
        if let value = html, value.utf8.count > TicketLimits.htmlMaximumLength { html = nil }
        if !message.warnings.isEmpty {
            notes.append("Parts of this message were malformed and read as well as possible; the original is attached.")
        }
        if !notes.isEmpty {
            if raw.count <= attachments.maximumBytes {
                files.append(
                    NewAttachment(filename: "original-message.eml", contentType: "message/rfc822", data: Data(raw)))
            }
            text += "\n\n[" + notes.joined(separator: " ") + "]"
        }
        return StorableContent(text: text, html: html, attachments: files)
    }

    /// Text without the control characters a database may refuse (PostgreSQL rejects NUL);
    /// tabs and line breaks stay.
    static func storable(_ text: String) -> String {
        guard
            text.unicodeScalars.contains(where: {
                $0.value < 32 && $0 != "\t" && $0 != "\n" && $0 != "\r" || $0.value == 0x7F
            })
        else { return text }
        return String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    !($0.value < 32 && $0 != "\t" && $0 != "\n" && $0 != "\r" || $0.value == 0x7F)
                }))
    }

    /// Marks each failed address bouncing and tells the ticket whose message bounced.
    private func recordBounce(_ bounce: BounceReport, key: String, on database: any Database) async throws
        -> InboundResult
    {
        let now = clock.now()
        let reason = [bounce.status, bounce.diagnostic].compactMap { $0 }.joined(separator: " ")
        return try await database.write { tx in
            let db = tx.db
            if try await Self.isStored(key, on: db) { return Self.duplicate(key) }
            for address in bounce.failedRecipients {
                guard
                    let row = try await CustomerEmail.query(on: db).filter(\.$normalized == address.lowercased())
                        .first()
                else { continue }
                row.bouncingSince = row.bouncingSince ?? now
                row.bounceReason = String(reason.prefix(500))
                try await row.update(on: db)
            }
            var ticketID: Int?
            if !bounce.originalMessageIDs.isEmpty,
                let outbound = try await OutboundMail.query(on: db).filter(
                    \.$emailMessageID ~~ bounce.originalMessageIDs
                ).first()
            {
                ticketID = outbound.ticketID
                outbound.status = .failed
                outbound.lastError = "bounced: " + String(reason.prefix(500))
                try await outbound.update(on: db)
            } else if !bounce.originalMessageIDs.isEmpty,
                let original = try await Message.query(on: db).filter(\.$emailMessageID ~~ bounce.originalMessageIDs)
                    .first()
            {
                ticketID = original.ticketID
            }
            guard let ticketID else {
                return InboundResult(
                    outcome: .bounce,
                    reason:
                        "delivery to \(bounce.failedRecipients.joined(separator: ", ")) failed; no ticket matched the bounced message"
                )
            }
            let note = Message()
            note.ticketID = ticketID
            note.kind = .note
            note.authorKind = .system
            note.body =
                "Email delivery failed to \(bounce.failedRecipients.joined(separator: ", "))"
                + (reason.isEmpty ? "." : ": \(reason)")
                + (bounce.isPermanent
                    ? "\nThe address is marked as bouncing. Check it with the customer by another channel." : "")
            note.emailMessageID = key
            note.createdAt = now
            try await note.create(on: db)
            try await TicketEvent.record(
                TicketChange(field: .emailBounced, before: nil, after: bounce.failedRecipients.joined(separator: ", ")),
                ticketID: ticketID, by: .system, at: now, in: tx)
            return InboundResult(
                outcome: .bounce, ticketID: ticketID, messageID: try note.requireID,
                reason: "delivery to \(bounce.failedRecipients.joined(separator: ", ")) failed")
        }
    }
}

/// The text of an inbound message as the ticket keeps it: without control characters, and cut to
/// what a message holds (the whole message stays in the original). Everything read from the text
/// afterwards (quote splitting, the mood) is bounded by this length.
public enum InboundMessageText {
    public static let maximumLength = TicketLimits.bodyMaximumLength - 2_000

    public static func of(_ message: ParsedEmail) -> (text: String, wasCut: Bool) {
        let text = InboundMailService.storable(message.text)
        // Counting UTF-16 units first is cheap, and no text has more characters than units.
        guard text.utf16.count > maximumLength, text.count > maximumLength else { return (text, false) }
        return (String(text.prefix(maximumLength)), true)
    }
}
