import Foundation
import NIOCore

/// An IMAP mailbox Rapport reads customer mail from.
public struct IMAPConfiguration: Sendable, Codable, Equatable {
    public var host: String
    public var port: Int
    public var security: MailSecurity
    public var username: String
    public var password: String
    public var folder: String
    public var verifyCertificates: Bool
    public var timeoutSeconds: Int

    public init(
        host: String, port: Int, security: MailSecurity, username: String, password: String, folder: String = "INBOX",
        verifyCertificates: Bool = true, timeoutSeconds: Int = 30
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.folder = folder
        self.verifyCertificates = verifyCertificates
        self.timeoutSeconds = timeoutSeconds
    }
}

/// What SELECT told us about a folder.
public struct IMAPFolderStatus: Sendable, Equatable {
    public var uidValidity: UInt32
    public var exists: Int
}

/// An IMAP4rev1 client (RFC 3501) with just what a help desk needs: sign in, open a folder,
/// find unseen (or all) messages by UID, fetch one without marking it seen, then mark it seen
/// or move it. Literals are read by count, so any message body comes through byte-exact.
public final class IMAPSession: @unchecked Sendable {
    private let connection: MailConnection
    private var tagNumber = 0
    private var capabilities: Set<String> = []
    public private(set) var steps: [String] = []
    /// Larger messages are refused rather than held in memory.
    public static let maximumMessageSize = 50 * 1024 * 1024

    private init(connection: MailConnection) { self.connection = connection }

    /// Connects, secures the connection and signs in.
    public static func open(_ configuration: IMAPConfiguration) async throws -> IMAPSession {
        let connection = try await MailConnection.connect(
            host: configuration.host, port: configuration.port, tls: configuration.security == .tls,
            verifyCertificates: configuration.verifyCertificates, timeout: .seconds(Int64(configuration.timeoutSeconds))
        )
        let session = IMAPSession(connection: connection)
        do {
            try await session.start(configuration)
        } catch {
            await connection.close()
            throw error
        }
        return session
    }

    private func start(_ configuration: IMAPConfiguration) async throws {
        steps.append(
            "connected to \(configuration.host):\(configuration.port)"
                + (configuration.security == .tls ? " with TLS" : ""))
        connection.setStage("waiting for the greeting")
        let greeting = try await connection.readLine()
        guard greeting.hasPrefix("* OK") || greeting.hasPrefix("* PREAUTH") else {
            throw MailTransportError.rejected(command: "the connection", reply: greeting, permanent: false)
        }
        try await refreshCapabilities()
        if configuration.security == .startTLS {
            guard capabilities.contains("STARTTLS") else {
                throw MailTransportError.tls(reason: "the server does not offer STARTTLS; choose TLS or no encryption")
            }
            let reply = try await run("STARTTLS", stage: "starting TLS")
            guard reply.ok else { throw MailTransportError.tls(reason: "STARTTLS refused: \(reply.status)") }
            try await connection.startTLS()
            steps.append("TLS started")
            try await refreshCapabilities()
        }
        if !greeting.hasPrefix("* PREAUTH") {
            let login = try await run(
                "LOGIN \(Self.quoted(configuration.username)) \(Self.quoted(configuration.password))",
                stage: "signing in")
            guard login.ok else { throw MailTransportError.authentication(reply: login.status) }
            steps.append("signed in as \(configuration.username)")
            try await refreshCapabilities()
        }
    }

    private func refreshCapabilities() async throws {
        let reply = try await run("CAPABILITY", stage: "asking for capabilities")
        for line in reply.untagged where line.text.uppercased().hasPrefix("CAPABILITY") {
            capabilities = Set(line.text.uppercased().split(separator: " ").dropFirst().map(String.init))
        }
    }

    /// Opens a folder for reading and changing flags.
    public func select(_ folder: String) async throws -> IMAPFolderStatus {
        let reply = try await run("SELECT \(Self.quoted(folder))", stage: "opening \(folder)")
        guard reply.ok else { throw MailTransportError.folder(name: folder, reply: reply.status) }
        var status = IMAPFolderStatus(uidValidity: 0, exists: 0)
        for line in reply.untagged {
            let upper = line.text.uppercased()
            if let range = upper.range(of: "[UIDVALIDITY ") {
                status.uidValidity = UInt32(upper[range.upperBound...].prefix(while: \.isNumber)) ?? 0
            }
            if upper.hasSuffix(" EXISTS"), let count = Int(upper.prefix(while: \.isNumber)) { status.exists = count }
        }
        steps.append("opened \(folder): \(status.exists) messages")
        return status
    }

    /// UIDs of messages not yet seen (or every message, for move-after-import folders).
    public func search(unseenOnly: Bool) async throws -> [UInt32] {
        let reply = try await run("UID SEARCH " + (unseenOnly ? "UNSEEN" : "ALL"), stage: "searching for new messages")
        guard reply.ok else {
            throw MailTransportError.rejected(command: "SEARCH", reply: reply.status, permanent: false)
        }
        return reply.untagged.filter { $0.text.uppercased().hasPrefix("SEARCH") }
            .flatMap { $0.text.split(separator: " ").dropFirst().compactMap { UInt32($0) } }.sorted()
    }

    /// The raw message, fetched with BODY.PEEK so that it stays unseen until we say so.
    public func fetch(uid: UInt32) async throws -> [UInt8]? {
        let reply = try await run("UID FETCH \(uid) (UID BODY.PEEK[])", stage: "fetching message \(uid)")
        guard reply.ok else {
            throw MailTransportError.rejected(command: "FETCH", reply: reply.status, permanent: false)
        }
        return reply.untagged.first { $0.text.uppercased().contains("FETCH") && !$0.literals.isEmpty }?.literals.first
    }

    public func markSeen(uid: UInt32) async throws {
        let reply = try await run("UID STORE \(uid) +FLAGS.SILENT (\\Seen)", stage: "marking message \(uid) seen")
        guard reply.ok else {
            throw MailTransportError.rejected(command: "STORE", reply: reply.status, permanent: false)
        }
    }

    /// Moves a message to another folder: MOVE (RFC 6851) where offered, else COPY, flag
    /// deleted and expunge.
    public func move(uid: UInt32, to folder: String) async throws {
        if capabilities.contains("MOVE") {
            let reply = try await run("UID MOVE \(uid) \(Self.quoted(folder))", stage: "moving message \(uid)")
            guard reply.ok else { throw MailTransportError.folder(name: folder, reply: reply.status) }
            return
        }
        let copy = try await run("UID COPY \(uid) \(Self.quoted(folder))", stage: "copying message \(uid)")
        guard copy.ok else { throw MailTransportError.folder(name: folder, reply: copy.status) }
        _ = try await run("UID STORE \(uid) +FLAGS.SILENT (\\Deleted \\Seen)", stage: "flagging message \(uid)")
        _ = try await run(
            capabilities.contains("UIDPLUS") ? "UID EXPUNGE \(uid)" : "EXPUNGE", stage: "expunging message \(uid)")
    }

    public func logout() async {
        _ = try? await run("LOGOUT", stage: "signing out")
        await connection.close()
    }

    /// Closes without a goodbye (used when a step failed).
    public func abandon() async { await connection.close() }

    // MARK: Protocol

    struct ResponseLine {
        var text: String
        var literals: [[UInt8]]
    }

    struct TaggedReply {
        var ok: Bool
        var status: String
        var untagged: [ResponseLine]
    }

    private func run(_ command: String, stage: String) async throws -> TaggedReply {
        tagNumber += 1
        let tag = "R\(tagNumber)"
        connection.setStage(stage)
        try await connection.write("\(tag) \(command)\r\n")
        var untagged: [ResponseLine] = []
        while true {
            let line = try await readResponseLine()
            if line.text.hasPrefix("\(tag) ") {
                let status = String(line.text.dropFirst(tag.count + 1))
                return TaggedReply(ok: status.uppercased().hasPrefix("OK"), status: status, untagged: untagged)
            }
            if line.text.hasPrefix("* ") {
                untagged.append(ResponseLine(text: String(line.text.dropFirst(2)), literals: line.literals))
            } else if line.text.hasPrefix("+") {
                throw MailTransportError.protocolViolation(
                    "the server asked for more input after '\(command.prefix(20))'")
            }
        }
    }

    /// One response, with every `{n}` literal read by count and left out of the text.
    private func readResponseLine() async throws -> ResponseLine {
        var text = ""
        var literals: [[UInt8]] = []
        while true {
            let line = try await connection.readLine()
            if line.hasSuffix("}"), let open = line.lastIndex(of: "{"),
                let count = Int(line[line.index(after: open)..<line.index(before: line.endIndex)].filter { $0 != "+" })
            {
                guard count <= Self.maximumMessageSize else {
                    throw MailTransportError.protocolViolation(
                        "a message of \(count) bytes is larger than the limit of \(Self.maximumMessageSize)")
                }
                text += line[..<open] + "{}"
                literals.append(try await connection.readBytes(count))
                continue
            }
            text += line
            return ResponseLine(text: text, literals: literals)
        }
    }

    /// An IMAP quoted string (RFC 3501 §4.3).
    static func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
