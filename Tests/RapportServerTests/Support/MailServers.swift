import Foundation
import RapportCore
import RapportMail

@testable import RapportServer

#if canImport(Glibc)
    import Glibc
#endif

/// A program the test started and will stop: a mail server, a proxy, or Rapport itself.
final class BackgroundProcess: @unchecked Sendable {
    let pid: pid_t
    let logPath: String
    private var exited = false
    private var exitStatus: Int32 = 0

    /// Starts `executable` with `arguments`, standard input from `stdinPath` (or nothing) and
    /// everything it prints in a log file.
    init(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
        stdinPath: String = "/dev/null"
    ) throws {
        logPath =
            FileManager.default.temporaryDirectory.appendingPathComponent("rapport-bg-\(UUID().uuidString).log").path
        pid = try Subprocess.spawn(executable, arguments, environment: extra, stdinPath: stdinPath, outputPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends a signal (SIGKILL to simulate a crash) and waits for the process to end.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM) -> Int32 {
        if !exited { kill(pid, signal) }
        return wait()
    }

    /// Waits for the process to end; returns its exit code (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        if !exited {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            exited = true
            exitStatus = Subprocess.exitCode(fromWaitStatus: status)
        }
        return exitStatus
    }

    /// `wait` on a thread of its own, so the test's async threads stay free for the server.
    func exitCode() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.wait()) }.start()
        }
    }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            _ = wait()
        }
        unlink(logPath)
    }
}

/// A free TCP port on 127.0.0.1, found by letting the kernel pick one.
func freeLoopbackPort() throws -> Int { try LoopbackPort.free() }

/// Waits until `condition` holds, checking every 50 ms, or fails after `seconds`.
func eventually(_ what: String, within seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw RapportMessageError("timed out after \(seconds) s waiting for \(what)")
}

enum TestHarness {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Harness")

    /// The `rapport` executable `swift test` built beside the test bundle.
    static var rapportExecutable: String {
        get throws {
            let candidates = [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                    "rapport"),
                folder.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                    ".build/debug/rapport"),
            ]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw RapportMessageError("the rapport executable was not built (looked in \(candidates.map(\.path)))")
            }
            return found.path
        }
    }
}

/// A throw-away Dovecot IMAP server with one user and a Maildir, on a free loopback port.
final class TestDovecot: @unchecked Sendable {
    let directory: String
    let port: Int
    let user = "desk"
    let password = "imap-secret"
    let maildir: String

    init() throws {
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "rapport-dovecot-\(UUID().uuidString.prefix(8))"
            ).path
        port = try freeLoopbackPort()
        let output = try Subprocess.run(
            "/bin/bash",
            [
                TestHarness.folder.appendingPathComponent("dovecot-instance.sh").path, "start", directory, String(port),
                user, password,
            ])
        guard output.contains("PID=") else { throw RapportMessageError("Dovecot did not start: \(output)") }
        maildir = directory + "/mail/\(user)/Maildir"
    }

    /// Puts a message into the inbox as an MTA's local delivery would.
    @discardableResult
    func deliver(_ raw: String) throws -> String {
        let name = "\(Int(Date().timeIntervalSince1970)).\(UUID().uuidString.prefix(12)).rapport-test"
        let temporary = maildir + "/tmp/" + name
        try Data(raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .write(to: URL(fileURLWithPath: temporary))
        chmod(temporary, 0o644)
        rename(temporary, maildir + "/new/" + name)
        return name
    }

    /// Base names of messages in the inbox with the \Seen flag, and without.
    func flags() -> (seen: Int, unseen: Int) {
        let fileManager = FileManager.default
        let new = (try? fileManager.contentsOfDirectory(atPath: maildir + "/new")) ?? []
        let current = (try? fileManager.contentsOfDirectory(atPath: maildir + "/cur")) ?? []
        let seen = current.filter { $0.split(separator: ",").last?.contains("S") == true && $0.contains(":2,") }.count
        return (seen, new.count + current.count - seen)
    }

    /// Clears \Seen on every message, as if Rapport had stopped before flagging them.
    func markAllUnseen() throws {
        let current = maildir + "/cur"
        for name in try FileManager.default.contentsOfDirectory(atPath: current) {
            guard let range = name.range(of: ":2,") else { continue }
            let flags = name[range.upperBound...].filter { $0 != "S" }
            rename(current + "/" + name, current + "/" + name[..<range.upperBound] + flags)
        }
    }

    deinit {
        _ = try? Subprocess.run(
            "/bin/bash", [TestHarness.folder.appendingPathComponent("dovecot-instance.sh").path, "stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// An aiosmtpd sink that keeps every accepted message as a file.
final class TestSMTPSink: @unchecked Sendable {
    let port: Int
    let directory: String
    private let process: BackgroundProcess

    init(auth: String? = nil, starttls: (cert: String, key: String)? = nil) throws {
        port = try freeLoopbackPort()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("rapport-sink-\(UUID().uuidString.prefix(8))")
            .path
        var arguments = [
            TestHarness.folder.appendingPathComponent("smtp_sink.py").path, "--port", String(port), "--outdir",
            directory,
        ]
        if let auth { arguments += ["--auth", auth] }
        if let starttls { arguments += ["--starttls", starttls.cert, starttls.key] }
        process = try BackgroundProcess("/usr/bin/env", ["python3"] + arguments)
        let deadline = Date().addingTimeInterval(15)
        while !process.log.contains("smtp sink on") {
            guard Date() < deadline else { throw RapportMessageError("the SMTP sink did not start: \(process.log)") }
            usleep(50_000)
        }
    }

    /// The messages received so far, oldest first, parsed.
    func messages() -> [ParsedEmail] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".eml")
        }.sorted()
        return names.compactMap { FileManager.default.contents(atPath: directory + "/" + $0).map(ParsedEmail.init) }
    }

    /// The envelope recipients of each message, oldest first.
    func envelopes() -> [[String]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0.hasSuffix(".json")
        }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return object["rcpt_tos"] as? [String]
        }
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A slow relay in front of a server, to stop Rapport in the middle of a transfer.
final class ThrottleProxy: @unchecked Sendable {
    let port: Int
    private let statusPath: String
    private let process: BackgroundProcess

    init(upstream: Int, bytesPerSecond: Int) throws {
        port = try freeLoopbackPort()
        statusPath =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "rapport-proxy-\(UUID().uuidString.prefix(8)).status"
            ).path
        process = try BackgroundProcess(
            "/usr/bin/env",
            [
                "python3", TestHarness.folder.appendingPathComponent("throttle_proxy.py").path,
                "--listen", String(port), "--upstream", String(upstream), "--rate", String(bytesPerSecond), "--status",
                statusPath,
            ])
        let deadline = Date().addingTimeInterval(15)
        while !process.log.contains("proxy 127.0.0.1") {
            guard Date() < deadline else { throw RapportMessageError("the proxy did not start: \(process.log)") }
            usleep(50_000)
        }
    }

    /// Drops every open connection, discarding buffered bytes, as a machine crash would.
    func dropConnections() {
        kill(process.pid, SIGUSR1)
        usleep(200_000)
    }

    /// Bytes relayed so far: client to server, and server to client.
    var relayed: (up: Int, down: Int) {
        let text = (try? String(contentsOfFile: statusPath, encoding: .utf8)) ?? "0 0"
        let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : (0, 0)
    }

    deinit {
        process.stop()
        unlink(statusPath)
    }
}

/// A TCP service on loopback that greets every connection with one line, as SSH does.
final class BannerServer: @unchecked Sendable {
    let port: Int
    private let process: Process

    init(line: String) throws {
        port = try freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = """
            import socket
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(8)
            while True:
                c, _ = s.accept(); c.sendall(b"\(line)\\r\\n")
            """
        process.arguments = ["python3", "-c", script]
        try process.run()
        // Ready when it accepts a connection.
        for _ in 0..<100 {
            if (try? Self.connects(to: port)) == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        stop()
        throw RapportMessageError("the banner server did not start on port \(port)")
    }

    static func connects(to port: Int) throws -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
