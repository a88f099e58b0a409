import Foundation
import NIOCore

/// Where and how Rapport sends mail.
public struct SMTPConfiguration: Sendable, Codable, Equatable {
    public var host: String
    public var port: Int
    public var security: MailSecurity
    public var username: String?
    public var password: String?
    /// The name given in EHLO.
    public var heloName: String
    /// Off only for test servers with self-signed certificates.
    public var verifyCertificates: Bool
    public var timeoutSeconds: Int

    public init(
        host: String, port: Int, security: MailSecurity, username: String? = nil, password: String? = nil,
        heloName: String = "localhost", verifyCertificates: Bool = true, timeoutSeconds: Int = 30
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.verifyCertificates = verifyCertificates
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The result of a delivery: which recipients the server took, which it refused and why.
public struct SMTPDelivery: Sendable, Equatable {
    public var accepted: [String]
    public var refused: [String: String]
}

/// An SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS (RFC 3207), AUTH PLAIN or LOGIN
/// (RFC 4954), one message per connection, dot-stuffed DATA.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration

    public init(_ configuration: SMTPConfiguration) { self.configuration = configuration }

    /// Sends one message. Throws when no recipient was accepted or the message was refused;
    /// `MailTransportError.isPermanent` says whether a retry can help.
    public func send(_ message: [UInt8], from sender: String, to recipients: [String]) async throws -> SMTPDelivery {
        guard !recipients.isEmpty else {
            throw MailTransportError.protocolViolation("a message needs at least one recipient")
        }
        let session = try await open()
        do {
            let delivery = try await session.deliver(message, from: sender, to: recipients)
            await session.quit()
            return delivery
        } catch {
            await session.connection.close()
            throw error
        }
    }

    /// Connects, secures and authenticates, then quits: the "test connection" button.
    /// Returns what happened, step by step.
    public func check() async throws -> [String] {
        let session = try await open()
        await session.quit()
        return session.steps
    }

    private func open() async throws -> SMTPSession {
        let connection = try await MailConnection.connect(
            host: configuration.host, port: configuration.port, tls: configuration.security == .tls,
            verifyCertificates: configuration.verifyCertificates, timeout: .seconds(Int64(configuration.timeoutSeconds))
        )
        let session = SMTPSession(connection: connection, configuration: configuration)
        do {
            try await session.start()
        } catch {
            await connection.close()
            throw error
        }
        return session
    }
}

final class SMTPSession: @unchecked Sendable {
    let connection: MailConnection
    let configuration: SMTPConfiguration
    private(set) var steps: [String] = []
    private var extensions: [String] = []

    init(connection: MailConnection, configuration: SMTPConfiguration) {
        self.connection = connection
        self.configuration = configuration
    }

    struct Reply {
        let code: Int
        let lines: [String]
        var text: String { lines.joined(separator: " ") }
        var summary: String { "\(code) \(text)" }
    }

    func start() async throws {
        steps.append(
            "connected to \(configuration.host):\(configuration.port)"
                + (configuration.security == .tls ? " with TLS" : ""))
        let greeting = try await read(while: "waiting for the greeting")
        guard greeting.code == 220 else {
            throw MailTransportError.rejected(
                command: "the connection", reply: greeting.summary, permanent: greeting.code >= 500)
        }
        try await ehlo()
        if configuration.security == .startTLS {
            guard extensions.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                throw MailTransportError.tls(reason: "the server does not offer STARTTLS; choose TLS or no encryption")
            }
            let reply = try await command("STARTTLS", stage: "starting TLS")
            guard reply.code == 220 else { throw MailTransportError.tls(reason: "STARTTLS refused: \(reply.summary)") }
            try await connection.startTLS()
            steps.append("TLS started")
            try await ehlo()
        }
        if let username = configuration.username, !username.isEmpty {
            try await authenticate(username: username, password: configuration.password ?? "")
            steps.append("signed in as \(username)")
        }
    }

    private func ehlo() async throws {
        var reply = try await command("EHLO \(configuration.heloName)", stage: "saying EHLO")
        if reply.code >= 500 {
            reply = try await command("HELO \(configuration.heloName)", stage: "saying HELO")
        }
        guard reply.code == 250 else {
            throw MailTransportError.rejected(command: "EHLO", reply: reply.summary, permanent: reply.code >= 500)
        }
        extensions = Array(reply.lines.dropFirst())
    }

    private func authenticate(username: String, password: String) async throws {
        let mechanisms =
            extensions.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased().split(separator: " ").dropFirst().map(
                String.init) ?? []
        if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            let reply = try await command("AUTH PLAIN \(token)", stage: "signing in")
            guard reply.code == 235 else { throw MailTransportError.authentication(reply: reply.summary) }
            return
        }
        var reply = try await command("AUTH LOGIN", stage: "signing in")
        guard reply.code == 334 else { throw MailTransportError.authentication(reply: reply.summary) }
        reply = try await command(Data(username.utf8).base64EncodedString(), stage: "signing in")
        guard reply.code == 334 else { throw MailTransportError.authentication(reply: reply.summary) }
        reply = try await command(Data(password.utf8).base64EncodedString(), stage: "signing in")
        guard reply.code == 235 else { throw MailTransportError.authentication(reply: reply.summary) }
    }

    func deliver(_ message: [UInt8], from sender: String, to recipients: [String]) async throws -> SMTPDelivery {
        let eightBit = message.contains { $0 >= 0x80 }
        let sizeOption = extensions.contains { $0.uppercased().hasPrefix("SIZE") } ? " SIZE=\(message.count)" : ""
        let bodyOption = eightBit && extensions.contains { $0.uppercased() == "8BITMIME" } ? " BODY=8BITMIME" : ""
        let mail = try await command("MAIL FROM:<\(sender)>\(sizeOption)\(bodyOption)", stage: "giving the sender")
        guard mail.code == 250 else {
            throw MailTransportError.rejected(
                command: "the sender <\(sender)>", reply: mail.summary, permanent: mail.code >= 500)
        }
        var accepted: [String] = []
        var refused: [String: String] = [:]
        var anyTemporary = false
        for recipient in recipients {
            let reply = try await command("RCPT TO:<\(recipient)>", stage: "giving the recipients")
            if reply.code == 250 || reply.code == 251 {
                accepted.append(recipient)
            } else {
                refused[recipient] = reply.summary
                if reply.code < 500 { anyTemporary = true }
            }
        }
        guard !accepted.isEmpty else {
            let detail = refused.sorted { $0.key < $1.key }.map { "<\($0.key)>: \($0.value)" }.joined(separator: "; ")
            throw MailTransportError.rejected(command: "every recipient", reply: detail, permanent: !anyTemporary)
        }
        let data = try await command("DATA", stage: "starting the message")
        guard data.code == 354 else {
            throw MailTransportError.rejected(command: "DATA", reply: data.summary, permanent: data.code >= 500)
        }
        connection.setStage("sending the message")
        try await connection.write(Self.dotStuffed(message))
        // The last bytes written may still be on their way; RFC 5321 §4.5.3.2.6 gives the
        // server ten minutes after the final dot, as a large message can take that long to
        // arrive over a slow link and be checked.
        await connection.allowIdle(.seconds(max(Int64(configuration.timeoutSeconds), 600)))
        let done = try await read(while: "waiting for the server to accept the message")
        await connection.allowIdle(nil)
        guard done.code == 250 else {
            throw MailTransportError.rejected(command: "the message", reply: done.summary, permanent: done.code >= 500)
        }
        steps.append("message accepted: \(done.summary)")
        return SMTPDelivery(accepted: accepted, refused: refused)
    }

    func quit() async {
        _ = try? await command("QUIT", stage: "saying goodbye")
        await connection.close()
    }

    private func command(_ line: String, stage: String) async throws -> Reply {
        connection.setStage(stage)
        try await connection.write(line + "\r\n")
        return try await read(while: stage)
    }

    private func read(while stage: String) async throws -> Reply {
        connection.setStage(stage)
        var lines: [String] = []
        while true {
            let line = try await connection.readLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw MailTransportError.protocolViolation("'\(line.prefix(80))' is not an SMTP reply")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                return Reply(code: code, lines: lines)
            }
        }
    }

    /// CRLF line ends, a leading "." doubled on every line (RFC 5321 §4.5.2), and the final ".".
    static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 50 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in message {
            if byte == 0x0A, previous != 0x0D { out.append(0x0D) }
            if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == 0x0A
            previous = byte
        }
        if !atLineStart { out += [0x0D, 0x0A] }
        out += Array(".\r\n".utf8)
        return out
    }
}
