import Foundation
import RapportCore
import Vapor

/// `{"filename": …, "content_type": …, "data_base64": …}`
struct AttachmentInput: Decodable {
    let filename: String
    let contentType: String?
    let dataBase64: String
}

struct MessageInput: Decodable {
    let body: String?
    let html: String?
    /// `reply` (default) or `note`.
    let kind: String?
    /// `agent` (default for messages on a ticket) or `customer` (for integrations relaying the
    /// customer's words).
    let author: String?
    let status: String?
    let attachments: [AttachmentInput]?

    func validated(field: String, defaultAuthor: AuthorKind, into problems: inout FieldErrors) -> NewMessage {
        let prefix = field.isEmpty ? "" : field + "."
        let kind = parseChoice(kind, MessageKind.self, field: prefix + "kind", into: &problems) ?? .reply
        var author = defaultAuthor
        if let raw = self.author {
            if let parsed = AuthorKind(rawValue: raw.lowercased()), parsed != .system {
                author = parsed
            } else {
                problems.add(prefix + "author", "must be agent or customer")
            }
        }
        var files: [NewAttachment] = []
        for (index, attachment) in (attachments ?? []).enumerated() {
            guard let data = Data(base64Encoded: attachment.dataBase64, options: .ignoreUnknownCharacters),
                !attachment.dataBase64.isEmpty
            else {
                problems.add("\(prefix)attachments[\(index)].data_base64", "must be the file's bytes in base64")
                continue
            }
            files.append(
                NewAttachment(
                    filename: attachment.filename, contentType: attachment.contentType ?? "application/octet-stream",
                    data: data))
        }
        return NewMessage(
            kind: kind, author: author, body: body ?? "", originalHTML: html, attachments: files,
            status: parseChoice(status, TicketStatus.self, field: prefix + "status", into: &problems)
        )
    }
}

struct RequesterInput: Decodable {
    let email: String
    let name: String?
}

struct CreateTicketRequest: Decodable {
    let subject: String
    let requesterID: Int?
    let requester: RequesterInput?
    let message: MessageInput
    let priority: String?
    let channel: String?
    let status: String?
    let assigneeID: Int?
    let teamID: Int?
    let tags: [String]?

    func validated() throws -> NewTicket {
        var problems = FieldErrors()
        let requesterReference: RequesterReference
        switch (requesterID, requester) {
        case (let id?, nil): requesterReference = .id(id)
        case (nil, let person?): requesterReference = .email(person.email, name: person.name)
        case (nil, nil):
            problems.add("requester", "give requester_id, or requester with an email (and optionally a name)")
            requesterReference = .id(0)
        case (_?, _?):
            problems.add("requester", "give either requester_id or requester, not both")
            requesterReference = .id(0)
        }
        let ticket = NewTicket(
            subject: subject, requester: requesterReference,
            firstMessage: message.validated(field: "message", defaultAuthor: .customer, into: &problems),
            priority: parseChoice(priority, TicketPriority.self, field: "priority", into: &problems) ?? .normal,
            channel: parseChoice(channel, TicketChannel.self, field: "channel", into: &problems) ?? .api,
            status: parseChoice(status, TicketStatus.self, field: "status", into: &problems),
            assigneeID: assigneeID, teamID: teamID, tags: tags ?? []
        )
        // Over the API a ticket starts with what was asked; notes come after (the call log in
        // the workspace may start with the agent's notes).
        if ticket.firstMessage.kind == .note {
            problems.add("message.kind", "the first message must be a reply; add notes afterwards")
        }
        try problems.throwIfAny()
        return ticket
    }
}

struct UpdateTicketRequest: Decodable {
    let subject: String?
    let status: String?
    let priority: String?
    let requesterID: Int?
    let assigneeID: FieldUpdate<Int>
    let teamID: FieldUpdate<Int>
    let tags: [String]?
    let addTags: [String]?
    let removeTags: [String]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: InputKey.self)
        subject = try container.decodeIfPresent(String.self, forKey: InputKey("subject"))
        status = try container.decodeIfPresent(String.self, forKey: InputKey("status"))
        priority = try container.decodeIfPresent(String.self, forKey: InputKey("priority"))
        requesterID = try container.decodeIfPresent(Int.self, forKey: InputKey("requesterID"))
        assigneeID = try container.decodeUpdate(Int.self, forKey: InputKey("assigneeID"))
        teamID = try container.decodeUpdate(Int.self, forKey: InputKey("teamID"))
        tags = try container.decodeIfPresent([String].self, forKey: InputKey("tags"))
        addTags = try container.decodeIfPresent([String].self, forKey: InputKey("addTags"))
        removeTags = try container.decodeIfPresent([String].self, forKey: InputKey("removeTags"))
    }

    func validated() throws -> TicketUpdate {
        var problems = FieldErrors()
        let update = TicketUpdate(
            subject: subject,
            status: parseChoice(status, TicketStatus.self, field: "status", into: &problems),
            priority: parseChoice(priority, TicketPriority.self, field: "priority", into: &problems),
            requesterID: requesterID, assigneeID: assigneeID, teamID: teamID, tags: tags, addTags: addTags ?? [],
            removeTags: removeTags ?? []
        )
        try problems.throwIfAny()
        return update
    }
}
