import Fluent
import Foundation
import RapportCore
import RapportMail
import Vapor

struct MailPageContext: Encodable, Sendable {
    struct General: Encodable, Sendable {
        let supportAddress: String
        let fromName: String
        let acknowledgementEnabled: Bool
        let acknowledgementSubject: String
        let acknowledgementText: String
        let responseTime: String
        let automaticMessagesPerHour: Int
    }

    struct SMTP: Encodable, Sendable {
        let host: String
        let port: String
        let securityOptions: [SelectOption]
        let username: String
        let hasPassword: Bool
        let verifyCertificates: Bool
    }

    struct Check: Encodable, Sendable {
        let title: String
        let succeeded: Bool
        let steps: [String]
        let failure: String
        let stage: String
    }

    struct MailboxRow: Encodable, Sendable {
        let id: Int
        let name: String
        let server: String
        let folder: String
        let afterImport: String
        let enabled: Bool
        let lastChecked: String
        let lastError: String
        let hasError: Bool
        let imported: Int
        /// "last 3 minutes ago", or empty before the first message.
        let lastImported: String
    }

    struct Failure: Encodable, Sendable {
        let ticket: Int
        let recipients: String
        let error: String
        let when: String
    }

    let page: PageChrome
    let error: String?
    let general: General
    let smtp: SMTP
    let smtpConfigured: Bool
    let hasCheck: Bool
    let check: Check
    let mailboxes: [MailboxRow]
    let hasMailboxes: Bool
    let issuedToken: String
    let hasIssuedToken: Bool
    let hasToken: Bool
    let queued: Int
    let failed: Int
    let sent: Int
    let failures: [Failure]
    let hasFailures: Bool
    let placeholders: String
    let serverURL: String
}

struct MailboxPageContext: Encodable, Sendable {
    let page: PageChrome
    let error: String?
    let isNew: Bool
    let id: Int
    let name: String
    let host: String
    let port: String
    let securityOptions: [SelectOption]
    let username: String
    let folder: String
    let afterImportOptions: [SelectOption]
    let moveTo: String
    let enabled: Bool
    let verifyCertificates: Bool
}

/// Admin → Mail: the support address and acknowledgement, the SMTP server, the mailboxes,
/// the inbound token, and what the outbox holds. Connection tests report the failing step.
struct MailSettingsPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let mail = routes.grouped("admin", "mail").grouped(RequireAdminPageMiddleware())
        mail.get(use: show)
        mail.post("general", use: saveGeneral)
        mail.post("smtp", use: saveSMTP)
        mail.post("smtp", "test", use: testSMTP)
        mail.post("smtp", "remove", use: removeSMTP)
        mail.post("token", use: issueToken)
        mail.get("mailboxes", "new", use: newMailbox)
        mail.post("mailboxes", use: createMailbox)
        mail.get("mailboxes", ":id", use: editMailbox)
        mail.post("mailboxes", ":id", use: updateMailbox)
        mail.post("mailboxes", ":id", "test", use: testMailbox)
        mail.post("mailboxes", ":id", "check", use: checkMailboxNow)
        mail.post("mailboxes", ":id", "delete", use: deleteMailbox)
    }

    struct GeneralForm: Decodable {
        var supportAddress: String?
        var fromName: String?
        var acknowledgementEnabled: String?
        var acknowledgementSubject: String?
        var acknowledgementText: String?
        var responseTime: String?
        var automaticMessagesPerHour: String?

        enum CodingKeys: String, CodingKey {
            case supportAddress = "support_address"
            case fromName = "from_name"
            case acknowledgementEnabled = "acknowledgement_enabled"
            case acknowledgementSubject = "acknowledgement_subject"
            case acknowledgementText = "acknowledgement_text"
            case responseTime = "response_time"
            case automaticMessagesPerHour = "automatic_messages_per_hour"
        }
    }

    struct ServerForm: Decodable {
        var name: String?
        var host: String?
        var port: String?
        var security: String?
        var username: String?
        var password: String?
        var verifyCertificates: String?
        var folder: String?
        var afterImport: String?
        var moveTo: String?
        var enabled: String?

        enum CodingKeys: String, CodingKey {
            case name, host, port, security, username, password, folder, enabled
            case verifyCertificates = "verify_certificates"
            case afterImport = "after_import"
            case moveTo = "move_to"
        }

        func server() throws -> MailSetupService.Server {
            var problems = FieldErrors()
            let portText = (port ?? "").trimmingCharacters(in: .whitespaces)
            let portNumber = portText.isEmpty ? nil : Int(portText)
            if !portText.isEmpty, portNumber == nil { problems.add("port", "must be a number, like 587") }
            let choice =
                MailSecurity(rawValue: security ?? "")
                ?? {
                    problems.add("security", "choose TLS, STARTTLS or none")
                    return .tls
                }()
            try problems.throwIfAny()
            return MailSetupService.Server(
                host: host ?? "", port: portNumber, security: choice, username: username ?? "",
                password: password ?? "",
                verifyCertificates: verifyCertificates == "on")
        }
    }

    // MARK: Overview

    func show(req: Request) async throws -> Response {
        try await render(req)
    }

    func saveGeneral(req: Request) async throws -> Response {
        let form = try req.content.decode(GeneralForm.self)
        do {
            guard let limit = Int((form.automaticMessagesPerHour ?? "").trimmingCharacters(in: .whitespaces)) else {
                throw RapportError.invalid(["automatic_messages_per_hour": "must be a number between 1 and 100"])
            }
            try await req.rapport.mailSetup.saveGeneral(
                .init(
                    supportAddress: form.supportAddress ?? "", fromName: form.fromName ?? "",
                    acknowledgementEnabled: form.acknowledgementEnabled == "on",
                    acknowledgementSubject: form.acknowledgementSubject ?? "",
                    acknowledgementText: form.acknowledgementText ?? "",
                    responseTime: form.responseTime ?? "", automaticMessagesPerHour: limit
                ), on: req.db)
            return req.redirect(to: "/admin/mail", notice: .mailSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(req, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    func saveSMTP(req: Request) async throws -> Response {
        let form = try req.content.decode(ServerForm.self)
        do {
            try await req.rapport.mailSetup.saveSMTP(try form.server(), on: req.db)
            return req.redirect(to: "/admin/mail", notice: .mailSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(req, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    func testSMTP(req: Request) async throws -> Response {
        let result = try await req.rapport.mailSetup.checkSMTP(on: req.db)
        return try await render(req, check: (title: "Outgoing mail (SMTP)", result: result))
    }

    func removeSMTP(req: Request) async throws -> Response {
        try await req.rapport.mailSetup.removeSMTP(on: req.db)
        return req.redirect(to: "/admin/mail", notice: .mailSaved)
    }

    func issueToken(req: Request) async throws -> Response {
        let token = try await req.rapport.mailSettings.issueInboundToken(on: req.db)
        return try await render(req, issuedToken: token)
    }

    // MARK: Mailboxes

    func newMailbox(req: Request) async throws -> Response {
        try await renderMailbox(
            req, id: nil,
            form: ServerForm(
                port: "993", security: "tls", verifyCertificates: "on", folder: "INBOX", afterImport: "seen",
                enabled: "on"))
    }

    func editMailbox(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Mailbox")
        guard let mailbox = try await Mailbox.find(id, on: req.db) else { throw RapportError.notFound("Mailbox \(id)") }
        return try await renderMailbox(
            req, id: id,
            form: ServerForm(
                name: mailbox.name, host: mailbox.host, port: String(mailbox.port), security: mailbox.security,
                username: mailbox.username,
                verifyCertificates: mailbox.verifyCertificates ? "on" : nil, folder: mailbox.folder,
                afterImport: mailbox.afterImport,
                moveTo: mailbox.moveTo, enabled: mailbox.enabled ? "on" : nil
            ))
    }

    func createMailbox(req: Request) async throws -> Response {
        try await saveMailbox(req, id: nil)
    }

    func updateMailbox(req: Request) async throws -> Response {
        try await saveMailbox(req, id: try req.idParameter("id", naming: "Mailbox"))
    }

    private func saveMailbox(_ req: Request, id: Int?) async throws -> Response {
        let form = try req.content.decode(ServerForm.self)
        do {
            try await req.rapport.mailSetup.saveMailbox(
                .init(
                    name: form.name ?? "", server: try form.server(), folder: form.folder ?? "",
                    afterImport: form.afterImport ?? "",
                    moveTo: form.moveTo ?? "", enabled: form.enabled == "on"
                ), id: id, on: req.db)
            return req.redirect(to: "/admin/mail", notice: .mailSaved)
        } catch let error as RapportError where error.isFormProblem {
            var kept = form
            kept.password = nil
            return try await renderMailbox(
                req, id: id, form: kept, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    func testMailbox(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Mailbox")
        let name = try await Mailbox.find(id, on: req.db)?.name ?? "Mailbox"
        let result = try await req.rapport.mailSetup.checkMailbox(id, on: req.db)
        return try await render(req, check: (title: "Mailbox “\(name)”", result: result))
    }

    func checkMailboxNow(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Mailbox")
        guard let mailbox = try await Mailbox.find(id, on: req.db) else { throw RapportError.notFound("Mailbox \(id)") }
        let before = mailbox.lastImportedAt
        let round = await req.rapport.mailboxPoller(logger: req.logger).poll(mailbox, on: req.db)
        var steps = [
            "imported \(round.imported) new message\(round.imported == 1 ? "" : "s")"
                + (round.lastTicketID.map { " (the last to ticket #\($0))" } ?? "")
        ]
        if round.imported == 0 {
            // The background check runs every minute: it has often just taken the message an
            // admin sent to try the mailbox.
            if round.alreadyStored > 0 {
                steps.append(
                    "\(round.alreadyStored) message\(round.alreadyStored == 1 ? " was" : "s were") already imported by the background check a moment ago"
                )
            } else if let before {
                let when = RelativeTime.ago(before, now: req.rapport.clock.now())
                steps.append(
                    "the background check imported the last message \(when)"
                        + (mailbox.lastImportedTicketID.map { ", to ticket #\($0)" } ?? ""))
            }
        }
        return try await render(
            req,
            check: (
                title: "Mailbox “\(mailbox.name)” checked",
                result: .init(
                    steps: steps, failure: round.errors.isEmpty ? nil : round.errors.joined(separator: "; "),
                    failedStage: nil)
            ))
    }

    func deleteMailbox(req: Request) async throws -> Response {
        try await req.rapport.mailSetup.deleteMailbox(try req.idParameter("id", naming: "Mailbox"), on: req.db)
        return req.redirect(to: "/admin/mail", notice: .mailSaved)
    }

    // MARK: Rendering

    private func render(
        _ req: Request, error: String? = nil, check: (title: String, result: MailSetupService.ConnectionCheck)? = nil,
        issuedToken: String? = nil, status: HTTPStatus = .ok
    ) async throws -> Response {
        let settings = try await req.rapport.mailSettings.load(on: req.db)
        let mailboxes = try await Mailbox.query(on: req.db).sort(\.$name).all()
        let failures = try await OutboundMail.query(on: req.db).filter(\.$status == .failed).sort(\.$id, .descending)
            .limit(10).all()
        let now = req.rapport.clock.now()
        let smtp = settings.smtp
        let context = MailPageContext(
            page: try req.chrome(title: "Mail", section: "admin"), error: error,
            general: .init(
                supportAddress: settings.supportAddress ?? "", fromName: settings.fromName,
                acknowledgementEnabled: settings.acknowledgement.enabled,
                acknowledgementSubject: settings.acknowledgement.subject,
                acknowledgementText: settings.acknowledgement.text,
                responseTime: settings.acknowledgement.responseTime,
                automaticMessagesPerHour: settings.automaticMessagesPerHour),
            smtp: .init(
                host: smtp?.host ?? "", port: smtp.map { String($0.port) } ?? "587",
                securityOptions: Self.securityOptions(selected: smtp?.security ?? .startTLS),
                username: smtp?.username ?? "", hasPassword: smtp?.passwordSealed != nil,
                verifyCertificates: smtp?.verifyCertificates ?? true),
            smtpConfigured: smtp != nil,
            hasCheck: check != nil,
            check: .init(
                title: check?.title ?? "", succeeded: check?.result.succeeded ?? false,
                steps: check?.result.steps ?? [],
                failure: check?.result.failure ?? "", stage: check?.result.failedStage.map(Self.stageName) ?? ""),
            mailboxes: mailboxes.compactMap { mailbox in
                guard let id = mailbox.id else { return nil }
                return .init(
                    id: id, name: mailbox.name,
                    server: "\(mailbox.username)@\(mailbox.host):\(mailbox.port) (\(mailbox.mailSecurity.label))",
                    folder: mailbox.folder,
                    afterImport: mailbox.afterImport == "move" ? "moved to \(mailbox.moveTo ?? "")" : "marked as read",
                    enabled: mailbox.enabled,
                    lastChecked: mailbox.lastCheckedAt.map { RelativeTime.ago($0, now: now) } ?? "never",
                    lastError: mailbox.lastError ?? "", hasError: mailbox.lastError != nil,
                    imported: mailbox.importedCount,
                    lastImported: mailbox.lastImportedAt.map { "last " + RelativeTime.ago($0, now: now) } ?? "")
            },
            hasMailboxes: !mailboxes.isEmpty,
            issuedToken: issuedToken ?? "", hasIssuedToken: issuedToken != nil,
            hasToken: settings.inboundTokenDigest != nil,
            queued: try await OutboundMail.query(on: req.db).filter(\.$status ~~ [.queued, .sending]).count(),
            failed: try await OutboundMail.query(on: req.db).filter(\.$status == .failed).count(),
            sent: try await OutboundMail.query(on: req.db).filter(\.$status == .sent).count(),
            failures: failures.map {
                .init(
                    ticket: $0.ticketID ?? 0, recipients: $0.recipientList.joined(separator: ", "),
                    error: $0.lastError ?? "",
                    when: RelativeTime.ago($0.createdAt, now: now))
            },
            hasFailures: !failures.isEmpty,
            placeholders: MailSettings.acknowledgementPlaceholders.sorted().map { "{{\($0)}}" }.joined(separator: " "),
            serverURL: "http://\(req.headers.first(name: .host) ?? "127.0.0.1:8080")"
        )
        return try await req.page("admin-mail", context, status: status)
    }

    private func renderMailbox(
        _ req: Request, id: Int?, form: ServerForm, error: String? = nil, status: HTTPStatus = .ok
    ) async throws -> Response {
        let context = MailboxPageContext(
            page: try req.chrome(title: id == nil ? "New mailbox" : "Edit mailbox", section: "admin"), error: error,
            isNew: id == nil, id: id ?? 0,
            name: form.name ?? "", host: form.host ?? "", port: form.port ?? "",
            securityOptions: Self.securityOptions(selected: MailSecurity(rawValue: form.security ?? "") ?? .tls),
            username: form.username ?? "", folder: form.folder ?? "INBOX",
            afterImportOptions: [
                SelectOption(value: "seen", label: "Mark as read", selected: form.afterImport != "move"),
                SelectOption(value: "move", label: "Move to a folder", selected: form.afterImport == "move"),
            ],
            moveTo: form.moveTo ?? "", enabled: form.enabled == "on",
            verifyCertificates: form.verifyCertificates == "on"
        )
        return try await req.page("admin-mailbox", context, status: status)
    }

    static func securityOptions(selected: MailSecurity) -> [SelectOption] {
        MailSecurity.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == selected) }
    }

    static func stageName(_ stage: String) -> String {
        switch stage {
        case "dns": "Looking up the server name (DNS)"
        case "tcp", "connection": "Connecting"
        case "tls": "Securing the connection (TLS)"
        case "auth": "Signing in"
        case "folder": "Opening the folder"
        case "settings": "Settings"
        default: "Talking to the server"
        }
    }
}

extension MailSecurity {
    var label: String {
        switch self {
        case .tls: "TLS"
        case .startTLS: "STARTTLS"
        case .none: "None (trusted network only)"
        }
    }
}
