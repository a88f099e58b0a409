import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RapportServer

#if canImport(Glibc)
    import Glibc
    import RapportCore
#endif

/// A `rapport serve` child process on a free loopback port, for the workload benchmark: it
/// measures how long the server takes to answer its first request and reads its memory from
/// `/proc`.
final class ServerUnderTest: @unchecked Sendable {
    let process: Process
    let port: Int
    let logPath: String
    /// From starting the process to the first answered request.
    private(set) var coldStart: Duration = .zero

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(dataDirectory: String, environment extra: [String: String]) throws {
        port = try LoopbackPort.free()
        logPath = (dataDirectory as NSString).appendingPathComponent("bench-server.log")
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(
            fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDirectory]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["LOG_LEVEL": "warning"].merging(extra) { $1 }
        ) { $1 }
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
    }

    /// Starts the server and waits until `/health` answers, at most `timeout`.
    func start(client: HTTPClient, timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        while clock.now - started < timeout {
            guard process.isRunning else {
                throw RapportMessageError("The server stopped while starting. Its log (\(logPath)):\n\(lastLogLines())")
            }
            if let response = try? await client.execute(
                HTTPClientRequest(url: baseURL + "/health"), timeout: .seconds(1)), response.status == .ok
            {
                coldStart = clock.now - started
                return
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        stop()
        throw RapportMessageError(
            "The server did not answer within \(timeout). Its log (\(logPath)):\n\(lastLogLines())")
    }

    /// Resident memory now, and the most it has held, in bytes.
    func memory() -> (resident: Int, peak: Int) {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
        else { return (0, 0) }
        func kilobytes(_ field: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0)
                * 1024
        }
        return (kilobytes("VmRSS"), kilobytes("VmHWM"))
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    func lastLogLines() -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}
