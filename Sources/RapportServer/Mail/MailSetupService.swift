import FluentKit
import Foundation
import RapportCore
import RapportMail

/// The admin's side of mail: the support address, SMTP, mailboxes, the acknowledgement, and
/// connection tests that say which step failed. Validates everything it stores.
struct MailSetupService: Sendable {
    let store: MailSettingsStore
    let clock: any WallClock

    struct General: Sendable {
        var supportAddress: String
        var fromName: String
        var acknowledgementEnabled: Bool
        var acknowledgementSubject: String
        var acknowledgementText: String
        var responseTime: String
        var automaticMessagesPerHour: Int
    }

    struct Server: Sendable {
        var host: String
        var port: Int?
        var security: MailSecurity
        var username: String
        /// Empty keeps the stored password.
        var password: String
        var verifyCertificates: Bool
    }

    struct MailboxInput: Sendable {
        var name: String
        var server: Server
        var folder: String
        var afterImport: String
        var moveTo: String
        var enabled: Bool
    }

    func saveGeneral(_ input: General, on db: any Database) async throws {
        var problems = FieldErrors()
        let address: String?
        do { address = try EmailAddress(input.supportAddress).value } catch {
            problems.add("support_address", "'\(input.supportAddress.prefix(80))' \(error.description)")
            address = nil
        }
        let name = problems.requiredText(input.fromName, field: "from_name", maximumLength: 100)
        let subject = problems.requiredText(
            input.acknowledgementSubject, field: "acknowledgement_subject", maximumLength: 200)
        let text = problems.requiredText(input.acknowledgementText, field: "acknowledgement_text", maximumLength: 5000)
        let responseTime = problems.requiredText(input.responseTime, field: "response_time", maximumLength: 100)
        for (field, value) in [("acknowledgement_subject", subject), ("acknowledgement_text", text)] {
            let unknown = Self.placeholders(in: value).filter { !MailSettings.acknowledgementPlaceholders.contains($0) }
            if let first = unknown.first {
                problems.add(
                    field,
                    "{{\(first)}} is not a placeholder; use \(MailSettings.acknowledgementPlaceholders.sorted().map { "{{\($0)}}" }.joined(separator: ", "))"
                )
            }
        }
        if !(1...100).contains(input.automaticMessagesPerHour) {
            problems.add("automatic_messages_per_hour", "must be between 1 and 100")
        }
        try problems.throwIfAny()
        try await db.write { tx in
            var settings = try await store.load(on: tx.db)
            settings.supportAddress = address
            settings.fromName = name
            settings.acknowledgement = MailSettings.Acknowledgement(
                enabled: input.acknowledgementEnabled, subject: subject, text: text, responseTime: responseTime)
            settings.automaticMessagesPerHour = input.automaticMessagesPerHour
            try await store.save(settings, on: tx.db)
        }
    }

    func saveSMTP(_ input: Server, on db: any Database) async throws {
        let server = try validated(input, defaultPort: input.security == .tls ? 465 : 587, field: "smtp")
        try await db.write { tx in
            var settings = try await store.load(on: tx.db)
            let keep =
                input.password.isEmpty && settings.smtp?.username == server.username
                ? settings.smtp?.passwordSealed : nil
            settings.smtp = MailSettings.StoredSMTP(
                host: server.host, port: server.port!, security: server.security,
                username: server.username.isEmpty ? nil : server.username,
                passwordSealed: input.password.isEmpty ? keep : try store.secrets.seal(input.password),
                verifyCertificates: server.verifyCertificates
            )
            try await store.save(settings, on: tx.db)
        }
    }

    func removeSMTP(on db: any Database) async throws {
        try await db.write { tx in
            var settings = try await store.load(on: tx.db)
            settings.smtp = nil
            try await store.save(settings, on: tx.db)
        }
    }

    @discardableResult
    func saveMailbox(_ input: MailboxInput, id: Int? = nil, on db: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 100)
        let folder = problems.requiredText(input.folder, field: "folder", maximumLength: 200)
        if !["seen", "move"].contains(input.afterImport) {
            problems.add("after_import", "choose 'mark as read' or 'move to a folder'")
        }
        let moveTo = input.moveTo.trimmingCharacters(in: .whitespaces)
        if input.afterImport == "move", moveTo.isEmpty {
            problems.add("move_to", "name the folder imported messages move to")
        }
        if input.server.username.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.add("username", "must not be empty")
        }
        if id == nil, input.server.password.isEmpty { problems.add("password", "must not be empty") }
        try problems.throwIfAny()
        let server = try validated(input.server, defaultPort: input.server.security == .tls ? 993 : 143, field: "")
        let sealed = input.server.password.isEmpty ? nil : try store.secrets.seal(input.server.password)
        let now = clock.now()
        return try await db.write { tx in
            let mailbox: Mailbox
            if let id {
                guard let existing = try await Mailbox.find(id, on: tx.db) else {
                    throw RapportError.notFound("Mailbox \(id)")
                }
                mailbox = existing
            } else {
                mailbox = Mailbox()
                mailbox.createdAt = now
                mailbox.importedCount = 0
            }
            mailbox.name = name
            mailbox.host = server.host
            mailbox.port = server.port!
            mailbox.security = server.security.rawValue
            mailbox.username = server.username
            if let sealed { mailbox.passwordSealed = sealed }
            mailbox.folder = folder
            mailbox.afterImport = input.afterImport
            mailbox.moveTo = moveTo.isEmpty ? nil : moveTo
            mailbox.verifyCertificates = server.verifyCertificates
            mailbox.enabled = input.enabled
            try await mailbox.save(on: tx.db)
            return try mailbox.requireID
        }
    }

    func deleteMailbox(_ id: Int, on db: any Database) async throws {
        try await db.write { tx in
            guard let mailbox = try await Mailbox.find(id, on: tx.db) else {
                throw RapportError.notFound("Mailbox \(id)")
            }
            try await mailbox.delete(on: tx.db)
        }
    }

    /// What a connection test found: each step that worked, then the failure if any.
    struct ConnectionCheck: Sendable, Equatable {
        var steps: [String]
        var failure: String?
        var failedStage: String?
        var succeeded: Bool { failure == nil }
    }

    func checkSMTP(on db: any Database) async throws -> ConnectionCheck {
        let settings = try await store.load(on: db)
        guard let configuration = try store.smtpConfiguration(settings) else {
            return ConnectionCheck(
                steps: [], failure: "Outgoing mail is not set up yet: save the SMTP server first.",
                failedStage: "settings")
        }
        do {
            return ConnectionCheck(steps: try await SMTPClient(configuration).check(), failure: nil)
        } catch let error as MailTransportError {
            return Self.failed(error, steps: [], server: "an SMTP server", at: configuration.host, configuration.port)
        }
    }

    func checkMailbox(_ id: Int, on db: any Database) async throws -> ConnectionCheck {
        guard let mailbox = try await Mailbox.find(id, on: db) else { throw RapportError.notFound("Mailbox \(id)") }
        let session: IMAPSession
        let configuration = try store.imapConfiguration(mailbox)
        do {
            session = try await IMAPSession.open(configuration)
        } catch let error as MailTransportError {
            return Self.failed(error, steps: [], server: "an IMAP server", at: configuration.host, configuration.port)
        }
        do {
            _ = try await session.select(mailbox.folder)
            if mailbox.afterImport == "move", let target = mailbox.moveTo {
                _ = try await session.select(target)  // the folder imported mail moves to must exist too
            }
            await session.logout()
            return ConnectionCheck(steps: session.steps, failure: nil)
        } catch let error as MailTransportError {
            await session.abandon()
            return Self.failed(
                error, steps: session.steps, server: "an IMAP server", at: configuration.host, configuration.port)
        }
    }

    /// What a failed test says. Until a mail server has greeted, a refused port, one that says
    /// nothing, one that hangs up and one where another service answers all read the same, and
    /// nothing the other end sent is repeated: the test must not work as a port scanner that
    /// reports which ports are open and what runs there. A certificate problem keeps its reason.
    static func failed(_ error: MailTransportError, steps: [String], server: String, at host: String, _ port: Int)
        -> ConnectionCheck
    {
        let wouldTellThePort: Bool
        switch error {
        case .tcp, .timeout, .closed, .protocolViolation: wouldTellThePort = true
        case .tls(let reason): wouldTellThePort = !reason.lowercased().contains("certificate")
        default: wouldTellThePort = false
        }
        if steps.isEmpty, wouldTellThePort {
            return ConnectionCheck(
                steps: steps,
                failure:
                    "connection: no answer from \(server) at \(host) port \(port); check the host, the port and the security setting",
                failedStage: "connection")
        }
        return ConnectionCheck(steps: steps, failure: error.description, failedStage: error.stage)
    }

    private func validated(_ input: Server, defaultPort: Int, field: String) throws -> Server {
        var problems = FieldErrors()
        var server = input
        server.host = input.host.trimmingCharacters(in: .whitespaces).lowercased()
        if server.host.isEmpty || server.host.count > 253
            || server.host.contains(where: { $0.isWhitespace || $0 == "/" })
        {
            problems.add("host", "give the server's host name or IP address, like mail.example.com")
        }
        server.port = input.port ?? defaultPort
        if !(1...65535).contains(server.port!) { problems.add("port", "must be between 1 and 65535") }
        server.username = input.username.trimmingCharacters(in: .whitespaces)
        try problems.throwIfAny()
        return server
    }

    static func placeholders(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            found.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return found
    }
}

extension RapportServices {
    var mailSetup: MailSetupService { MailSetupService(store: mailSettings, clock: clock) }
}
