import FluentKit
import Foundation
import RapportCore
import RapportMail
import Vapor

/// How the workspace sends and answers email. Stored as one JSON setting; passwords sealed.
struct MailSettings: Codable, Sendable, Equatable {
    /// The address customers write to and replies come from, e.g. help@example.com.
    var supportAddress: String?
    /// The name beside it in From, e.g. "Example Support"; agents' replies show "Ada (Example Support)".
    var fromName: String = "Support"
    var smtp: StoredSMTP?
    var acknowledgement = Acknowledgement()
    /// Automatic messages (acknowledgements) per recipient address in one hour, at most.
    var automaticMessagesPerHour: Int = 3
    /// SHA-256 of the token the inbound endpoint and `rapport mailgate` present.
    var inboundTokenDigest: String?

    struct StoredSMTP: Codable, Sendable, Equatable {
        var host: String
        var port: Int
        var security: MailSecurity
        var username: String?
        var passwordSealed: String?
        var verifyCertificates: Bool = true
    }

    struct Acknowledgement: Codable, Sendable, Equatable {
        var enabled = true
        var subject = "We received your request: {{ticket.subject}}"
        var text = """
            Hello {{customer.first_name}},

            Thank you for writing to us. Your request is ticket {{ticket.number}}, and a member of our team will answer {{response_time}}.

            If you have anything to add, just reply to this email and it will reach the same people.

            Kind regards,
            {{workspace.name}}
            """
        var responseTime = "within one business day"
    }

    /// Placeholders the acknowledgement text may use, beyond the macro ones.
    static let acknowledgementPlaceholders: Set<String> = [
        "customer.first_name", "customer.name", "ticket.number", "ticket.subject", "response_time", "workspace.name",
    ]

    /// The domain our Message-IDs use: the support address's.
    var messageIDDomain: String {
        supportAddress.flatMap { $0.split(separator: "@").last.map(String.init) } ?? "rapport.invalid"
    }

    var canSend: Bool { supportAddress != nil && smtp != nil }
}

/// Reads and writes the mail settings; keeps passwords sealed.
struct MailSettingsStore: Sendable {
    static let key = "mail"
    let secrets: SecretBox
    let clock: any WallClock
    let configuration: ConfigurationCache

    /// The settings as the configuration cache holds them (no query, most of the time).
    func current(on db: any Database) async throws -> MailSettings {
        try await configuration.current(on: db).mail
    }

    func load(on db: any Database) async throws -> MailSettings {
        guard let row = try await WorkspaceSetting.find(Self.key, on: db) else { return MailSettings() }
        return (try? JSONDecoder().decode(MailSettings.self, from: Data(row.value.utf8))) ?? MailSettings()
    }

    func save(_ settings: MailSettings, on db: any Database) async throws {
        let json = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let now = clock.now()
        if let row = try await WorkspaceSetting.find(Self.key, on: db) {
            row.value = json
            row.updatedAt = now
            try await row.update(on: db)
        } else {
            try await WorkspaceSetting(key: Self.key, value: json, now: now).create(on: db)
        }
        try await configuration.changed(on: db)
    }

    func smtpConfiguration(_ settings: MailSettings) throws -> SMTPConfiguration? {
        guard let smtp = settings.smtp else { return nil }
        return SMTPConfiguration(
            host: smtp.host, port: smtp.port, security: smtp.security, username: smtp.username,
            password: try smtp.passwordSealed.map(secrets.open), heloName: settings.messageIDDomain,
            verifyCertificates: smtp.verifyCertificates, timeoutSeconds: 30
        )
    }

    func imapConfiguration(_ mailbox: Mailbox) throws -> IMAPConfiguration {
        IMAPConfiguration(
            host: mailbox.host, port: mailbox.port, security: mailbox.mailSecurity, username: mailbox.username,
            password: try secrets.open(mailbox.passwordSealed), folder: mailbox.folder,
            verifyCertificates: mailbox.verifyCertificates
        )
    }

    /// Issues a new inbound token (shown once) and stores its digest.
    func issueInboundToken(on db: any Database) async throws -> String {
        let token = "rin_" + Data([UInt8].random(count: 32)).base64URLEncodedString()
        var settings = try await load(on: db)
        settings.inboundTokenDigest = ApiTokenService.digest(token)
        try await save(settings, on: db)
        return token
    }
}
