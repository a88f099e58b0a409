import Foundation
import RapportCore

/// A ticket in a short list: a requester's other tickets, a customer's or organization's history.
struct TicketListRow: Encodable, Sendable {
    let number: Int
    let subject: String
    let url: String
    let status: String
    let statusLabel: String
    let updated: String

    init(_ ticket: TicketSummaryDTO, now: Date) {
        number = ticket.number
        subject = ticket.subject
        url = "/tickets/\(ticket.number)"
        status = ticket.status.rawValue
        statusLabel = ticket.status.label
        updated = PageDates.relative(ticket.updatedAt, now: now)
    }
}

/// A customer in a list: the customer list, an organization's members.
struct CustomerListRow: Encodable, Sendable {
    let name: String
    let url: String
    let email: String?
    let phone: String?
    let organizationName: String?
    let updated: String
}
