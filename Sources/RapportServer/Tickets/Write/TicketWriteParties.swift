import FluentKit
import Foundation
import RapportCore
import SQLKit

/// The customer a ticket is for, as a write needs them: the record (for the churn flag, the
/// SLA policy's organization and tier) and the address replies go to.
struct TicketRequester: Sendable {
    let customer: Customer
    /// The primary address; nil for a caller known only by phone.
    let address: String?

    var id: Int { customer.id ?? 0 }
    var name: String { customer.name }

    static func load(_ customerID: Int, on db: any Database) async throws -> TicketRequester {
        guard let customer = try await Customer.find(customerID, on: db) else {
            throw RapportError.notFound("Customer \(customerID)")
        }
        let address = try await db.sql.raw(
            """
            SELECT address FROM customer_emails WHERE customer_id = \(bind: customerID) ORDER BY is_primary DESC, id LIMIT 1
            """
        ).first()?.decode(column: "address", as: String.self)
        return TicketRequester(customer: customer, address: address)
    }
}

/// Who makes a write, with the agent's name when an agent does (it signs the email), from the
/// cached staff directory.
struct TicketActor: Sendable {
    let party: ActingParty
    let agentName: String?

    init(_ party: ActingParty, directory: StaffDirectory) {
        self.party = party
        agentName = directory.agentName(party.agentID)
    }
}

/// A new ticket checked and made ready outside the write lock: its subject and tags
/// validated, its files stored, its first message's mood read.
struct PreparedTicket: Sendable {
    let input: NewTicket
    let subject: String
    let tags: [String]
    let message: PreparedMessage
}

/// A message checked and made ready outside the write lock: its files stored, its mood read or
/// the coach's view of it taken, and the requester the write will need, loaded once.
struct PreparedMessage: Sendable {
    let message: NewMessage
    let stored: [StoredAttachment]
    var mood: InboundMood?
    var coaching: ReplyAnalysis?
    /// The ticket's requester as read before the lock; reused when the ticket still has them.
    var requester: TicketRequester?
}

/// A new request the customer is told was received (inbound mail, the contact form).
struct AcknowledgementRequest: Sendable {
    /// The customer's message the acknowledgement answers, for threading.
    var inReplyTo: String?
}

/// What a write gives back: the ticket, and the message it added if any.
struct TicketWriteResult: Sendable {
    let ticketID: Int
    var messageID: Int?
}
