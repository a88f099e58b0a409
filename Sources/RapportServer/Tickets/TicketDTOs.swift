import Foundation
import RapportCore
import Vapor

/// A ticket as lists and search results show it.
struct TicketSummaryDTO: Content {
    let number: Int
    let subject: String
    let status: TicketStatus
    let priority: TicketPriority
    let channel: TicketChannel
    let requester: PersonReferenceDTO
    let assignee: PersonReferenceDTO?
    let team: NamedReferenceDTO?
    let tags: [String]
    let createdAt: Date
    let updatedAt: Date
    let firstResponseAt: Date?
    let solvedAt: Date?
    let closedAt: Date?
    /// Since when the customer has been waiting for an answer, while they are.
    let awaitingReplySince: Date?
    /// The nearest SLA deadline among the clocks that are counting.
    let slaDueAt: Date?
    /// From when the ticket is at risk of missing that deadline.
    let slaAtRiskAt: Date?
}

struct AttachmentDTO: Content {
    let id: Int
    let filename: String
    let contentType: String
    let size: Int
    let url: String
}

struct MessageAuthorDTO: Content {
    let kind: AuthorKind
    let id: Int?
    let name: String
}

struct MessageDTO: Content {
    let id: Int
    let kind: MessageKind
    let author: MessageAuthorDTO
    let body: String
    /// The HTML the sender wrote, kept for reference; display `body`, never this, as HTML.
    let originalHTML: String?
    let createdAt: Date
    let attachments: [AttachmentDTO]
    /// How a customer's message read when it arrived.
    let mood: MessageMoodDTO?
    /// The coach's score for an agent's public reply when it was sent.
    let coachScore: Int?
}

struct MessageMoodDTO: Content, Equatable {
    let sentiment: Double
    let upset: Bool
    let churnRisk: Bool
    let urgent: Bool
}

/// A ticket with its whole conversation.
struct TicketDetailDTO: Content {
    let ticket: TicketSummaryDTO
    let messages: [MessageDTO]
}

struct TicketEventDTO: Content {
    let id: Int
    let field: String
    let before: String?
    let after: String?
    let actor: MessageAuthorDTO
    let createdAt: Date
}

struct TicketPageDTO: Content {
    let tickets: [TicketSummaryDTO]
    /// Pass as `cursor` to get the next page; absent on the last page.
    let nextCursor: String?
}
