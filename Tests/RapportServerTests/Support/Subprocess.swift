import Foundation
import RapportCore

#if canImport(Glibc)
    import Glibc
#endif

/// Runs helper programs for tests: database servers, fuzzers.
enum Subprocess {
    /// Runs a program to completion with posix_spawn and waitpid. Foundation's `Process` can miss
    /// the exit of a program whose child outlives it (pg_ctl leaves the server running).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
        let (program, argv) =
            asPostgres && getuid() == 0
            // initdb and postgres refuse to run as root.
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
            : (executable, arguments)
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rapport-run-\(UUID().uuidString).log"
        ).path
        defer { unlink(outputPath) }
        let pid = try spawn(program, argv, outputPath: outputPath)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = exitCode(fromWaitStatus: status)
        guard exitCode == 0 else {
            throw RapportMessageError("\(executable) \(arguments.joined(separator: " ")) failed (\(exitCode)): \(text)")
        }
        return text
    }
}

extension Subprocess {
    /// The exit code waitpid reports, or 128 + the signal for a killed program (as shells say).
    static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Starts a program with standard input from `stdinPath`, standard output and error into
    /// `outputPath`, the test's environment plus `environment`, and a clean signal state.
    static func spawn(
        _ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
        stdinPath: String = "/dev/null", outputPath: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = cleanSignalAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        let cArguments = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in cEnvironment { free(variable) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArguments, cEnvironment)
        guard spawned == 0 else { throw RapportMessageError("could not start \(executable): error \(spawned)") }
        return pid
    }

    /// Spawn attributes that give the child an empty signal mask and default handlers. Without
    /// them a child inherits the mask of the spawning thread, where the Swift runtime blocks
    /// signals, and then ignores SIGTERM: servers started for a test could not be stopped.
    static func cleanSignalAttributes() -> posix_spawnattr_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return attributes
    }

    /// `run` on a thread of its own, for programs that take long: waiting must not hold one of
    /// the few threads that async tasks (and the server under test) run on.
    static func runDetached(_ executable: String, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                do { continuation.resume(returning: try run(executable, arguments)) } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }
}
