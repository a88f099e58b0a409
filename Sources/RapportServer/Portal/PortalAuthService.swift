import FluentKit
import Foundation
import RapportCore
import RapportMail
import Vapor

/// Signing customers in to the portal by an emailed one-time link.
///
/// A link carries 32 random bytes; the database keeps only their SHA-256 digest, so the table
/// cannot be turned back into links. A link works once, for `linkLifetime`, and only when
/// redeemed by a POST (mail scanners that open links do not use it up). Asking for a link says
/// the same thing whether the address is known or not.
struct PortalAuthService: Sendable {
    let clock: any WallClock
    let mailSettings: MailSettingsStore
    let outbox: MailOutbox

    static let linkLifetime: TimeInterval = 30 * 60
    static let sessionLifetime: TimeInterval = 14 * 86_400
    static let linksPerHour = 5
    static let tokenPrefix = "rpl_"

    /// Emails a sign-in link when `email` belongs to a customer and mail can be sent. Returns
    /// nothing either way, so the caller cannot tell (and cannot tell anyone) which it was.
    func requestLink(email raw: String, portalURL: String, on db: any Database) async throws {
        guard let address = try? EmailAddress(raw.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        try await db.write { tx in
            guard
                let known = try await CustomerEmail.query(on: tx.db).filter(\.$normalized == address.normalized).first()
            else { return }
            let now = clock.now()
            let recent = try await PortalSignInToken.query(on: tx.db).filter(\.$customerID == known.customerID)
                .filter(\.$createdAt > now.addingTimeInterval(-3600)).count()
            guard recent < Self.linksPerHour else { return }
            let mail = try await mailSettings.current(on: tx.db)
            guard mail.canSend, let support = mail.supportAddress else { return }
            let token = Self.tokenPrefix + Data([UInt8].random(count: 32)).base64URLEncodedString()
            let row = PortalSignInToken()
            row.digest = ApiTokenService.digest(token)
            row.customerID = known.customerID
            row.expiresAt = now.addingTimeInterval(Self.linkLifetime)
            row.createdAt = now
            try await row.create(on: tx.db)

            let customer = try await Customer.find(known.customerID, on: tx.db)
            let link = portalURL + "/portal/auth?token=" + token
            let text = """
                Hello \(customer.map { $0.name.firstName } ?? "there"),

                here is your link to see and answer your requests with \(mail.fromName):

                \(link)

                It works once, within the next 30 minutes. If you did not ask for it, you can ignore this email: nobody can sign in without it.

                \(mail.fromName)
                """
            var email = OutgoingEmail(
                from: MailAddress(name: mail.fromName, address: support),
                to: [MailAddress(name: customer?.name, address: known.address)],
                subject: "Your sign-in link for \(mail.fromName)",
                messageID: OutgoingEmail.newMessageID(ticket: 0, domain: mail.messageIDDomain),
                date: now, text: text
            )
            email.autoSubmitted = "auto-generated"
            try await outbox.enqueue(
                PreparedEmail(email: email, recipients: [known.address], envelopeFrom: support), kind: .portalLink,
                ticketID: nil, messageID: nil, in: tx)
        }
    }

    struct StartedSession: Sendable {
        let token: String
        let customerID: Int
    }

    /// Uses up a sign-in link and starts a session; nil when the link is unknown, used or expired.
    func redeem(_ token: String, on db: any Database) async throws -> StartedSession? {
        guard token.hasPrefix(Self.tokenPrefix), token.count < 200 else { return nil }
        let digest = ApiTokenService.digest(token)
        return try await db.write { tx in
            let now = clock.now()
            guard let row = try await PortalSignInToken.query(on: tx.db).filter(\.$digest == digest).first(),
                row.usedAt == nil, row.expiresAt > now
            else { return nil }
            row.usedAt = now
            try await row.update(on: tx.db)
            let sessionToken = Data([UInt8].random(count: 32)).base64URLEncodedString()
            let session = PortalSession()
            session.digest = ApiTokenService.digest(sessionToken)
            session.customerID = row.customerID
            session.csrfToken = Data([UInt8].random(count: 24)).base64URLEncodedString()
            session.expiresAt = now.addingTimeInterval(Self.sessionLifetime)
            session.createdAt = now
            try await session.create(on: tx.db)
            return StartedSession(token: sessionToken, customerID: row.customerID)
        }
    }

    func session(token: String, on db: any Database) async throws -> PortalSession? {
        guard !token.isEmpty, token.count < 200 else { return nil }
        guard
            let session = try await PortalSession.query(on: db).filter(\.$digest == ApiTokenService.digest(token))
                .first(),
            session.expiresAt > clock.now()
        else { return nil }
        return session
    }

    func end(_ session: PortalSession, on db: any Database) async throws {
        try await session.delete(on: db)
    }
}
