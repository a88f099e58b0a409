import FluentKit
import Foundation
import RapportCore

/// Who is acting: recorded on every message and event.
enum ActingParty: Sendable, Equatable {
    case agent(id: Int)
    case customer(id: Int)
    case system

    var kind: AuthorKind {
        switch self {
        case .agent: .agent
        case .customer: .customer
        case .system: .system
        }
    }

    var agentID: Int? { if case .agent(let id) = self { id } else { nil } }
    var customerID: Int? { if case .customer(let id) = self { id } else { nil } }
}

/// How a new ticket names its requester: an existing customer, or an address that finds or
/// creates one.
enum RequesterReference: Sendable {
    case id(Int)
    case email(String, name: String?)
    /// A caller: known or new, by address or number.
    case contact(CustomerService.CallerContact)
}

/// A file to attach, already decoded.
struct NewAttachment: Sendable {
    let filename: String
    let contentType: String
    let data: Data
}

/// A message to add to a ticket, validated by the caller's boundary.
struct NewMessage: Sendable {
    var kind: MessageKind
    /// Who wrote it. For `.customer` on an existing ticket, the ticket's requester.
    var author: AuthorKind
    var body: String
    var originalHTML: String?
    var attachments: [NewAttachment] = []
    /// A status the agent chose to set with this message (e.g. reply and set pending).
    var status: TicketStatus?
    /// For a message that arrived by mail: what to keep of the envelope.
    var email: InboundEmailFields?
}

/// What an inbound email adds to its message: the Message-ID that makes a second delivery a
/// duplicate, the Cc list, and the quoted history.
struct InboundEmailFields: Sendable {
    var messageID: String
    var cc: [String]
    var quotedText: String?
}

struct NewTicket: Sendable {
    var subject: String
    var requester: RequesterReference
    var firstMessage: NewMessage
    var priority: TicketPriority = .normal
    var channel: TicketChannel = .api
    var status: TicketStatus?
    var assigneeID: Int?
    var teamID: Int?
    var tags: [String] = []
}

struct TicketUpdate: Sendable {
    var subject: String?
    var status: TicketStatus?
    var priority: TicketPriority?
    /// Moves the ticket to another customer (e.g. it was logged under the wrong person).
    var requesterID: Int?
    var assigneeID: FieldUpdate<Int> = .unchanged
    var teamID: FieldUpdate<Int> = .unchanged
    /// Replaces all tags when given.
    var tags: [String]?
    var addTags: [String] = []
    var removeTags: [String] = []
}

enum TicketLimits {
    static let subjectMaximumLength = 250
    static let bodyMaximumLength = 200_000
    static let htmlMaximumLength = 1_000_000
    static let tagsMaximumCount = 30
    static let attachmentsMaximumCount = 20
}
