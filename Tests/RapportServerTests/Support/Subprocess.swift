#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Runs helper programs for tests: database servers, fuzzers.
enum Subprocess {
    /// Runs a program to completion with posix_spawn and waitpid. Foundation's `Process` can miss
    /// the exit of a program whose child outlives it (pg_ctl leaves the server running).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
        let (program, argv) = asPostgres && getuid() == 0
            // initdb and postgres refuse to run as root.
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
            : (executable, arguments)
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("rapport-run-\(UUID().uuidString).log").path
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = ([program] + argv).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw TestSetupError("could not start \(program): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else {
            throw TestSetupError("\(executable) \(arguments.joined(separator: " ")) failed (\(exitCode)): \(text)")
        }
        return text
    }
}

extension Subprocess {
    /// `run` on a thread of its own, for programs that take long: waiting must not hold one of
    /// the few threads that async tasks (and the server under test) run on.
    static func runDetached(_ executable: String, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do { continuation.resume(returning: try run(executable, arguments)) } catch { continuation.resume(throwing: error) }
            }.start()
        }
    }
}
