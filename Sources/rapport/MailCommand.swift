import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import RapportMail
import RapportServer
import Vapor

struct Mail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with email: see how Rapport reads a message, or issue the inbound mail token.",
        subcommands: [Parse.self, InboundToken.self]
    )

    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what Rapport understood of one raw message (RFC 5322 / MIME) as JSON."
        )

        @ArgumentParser.Argument(help: "The message file, or - to read standard input.") var file: String
        @ArgumentParser.Flag(help: "Print the JSON on one line.") var compact = false

        func run() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read '\(file)': check the path and that the file is readable")
                }
                data = read
            }
            print(try MailParseReport(ParsedEmail(data)).json(pretty: !compact))
        }
    }

    struct InboundToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbound-token",
            abstract:
                "Issue a new token for POST /api/v1/mail/inbound and 'rapport mailgate' (the previous one stops working)."
        )

        @OptionGroup var storage: StorageOptions

        func run() async throws {
            let token = try await withApplication(storage) { app in
                try await RapportAdministration.issueInboundMailToken(app)
            }
            print(token)
        }
    }
}

/// For an MTA's pipe alias, e.g. in /etc/aliases:
///   help: "|/usr/local/bin/rapport mailgate --url http://127.0.0.1:8080 --token-file /etc/rapport/inbound-token"
/// Exit codes follow sysexits.h, which MTAs understand: 0 delivered, 75 (EX_TEMPFAIL) try
/// again later, 65 (EX_DATAERR) / 77 (EX_NOPERM) refused for good, so the MTA bounces it.
struct Mailgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver one raw message from standard input to Rapport (for an MTA pipe alias)."
    )

    @ArgumentParser.Option(help: "The Rapport server's address.") var url = "http://127.0.0.1:8080"
    @ArgumentParser.Option(help: "The inbound mail token (or use --token-file, or RAPPORT_INBOUND_TOKEN).") var token:
        String?
    @ArgumentParser.Option(help: "A file holding the inbound mail token.") var tokenFile: String?
    @ArgumentParser.Option(help: "Seconds to wait for the server.") var timeout = 60

    static let delivered: Int32 = 0, dataError: Int32 = 65, temporaryFailure: Int32 = 75, noPermission: Int32 = 77

    func run() async throws {
        let secret =
            token ?? tokenFile.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            ?? ProcessInfo.processInfo.environment["RAPPORT_INBOUND_TOKEN"]
        guard let secret, !secret.isEmpty else {
            FileHandle.standardError.write(
                Data(
                    "mailgate: no token: pass --token, --token-file or RAPPORT_INBOUND_TOKEN (make one with 'rapport mail inbound-token')\n"
                        .utf8))
            throw ExitCode(Self.temporaryFailure)
        }
        let message = FileHandle.standardInput.readDataToEndOfFile()
        var request = HTTPClientRequest(
            url: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/mail/inbound")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        request.headers.add(name: "Content-Type", value: "message/rfc822")
        request.body = .bytes(ByteBuffer(bytes: Array(message)))
        let code: Int32
        var detail = ""
        // A refused connection is retried until the connect timeout; keep that short so the MTA
        // hears "try later" quickly when the server is down.
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(timeout: .init(connect: .seconds(Int64(min(timeout, 10))))))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(timeout)))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            detail = String(buffer: body)
            switch response.status.code {
            case 200..<300: code = Self.delivered
            // A configuration problem: keep the mail queued until it is fixed.
            case 401, 403: code = Self.temporaryFailure
            case 408, 429: code = Self.temporaryFailure
            case 413: code = Self.noPermission
            case 400..<500: code = Self.dataError
            default: code = Self.temporaryFailure
            }
            if code != Self.delivered { detail = "server answered \(response.status.code): \(detail)" }
        } catch {
            code = Self.temporaryFailure
            detail = "could not reach \(url): \(error)"
        }
        try? await client.shutdown()
        if code != Self.delivered { FileHandle.standardError.write(Data("mailgate: \(detail)\n".utf8)) }
        throw ExitCode(code)
    }
}
