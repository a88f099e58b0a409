import Foundation

#if canImport(Glibc)
    import Glibc
    import RapportCore
#endif

/// A throwaway PostgreSQL cluster for the test process: `initdb` in a temporary folder, started
/// with `pg_ctl` on a free loopback port the first time a test asks for it, and stopped when the
/// process exits. Each test gets its own database, copied from a migrated template.
actor TestPostgres {
    static let shared = TestPostgres()

    struct Cluster: Sendable {
        let directory: String
        let port: Int
        let binaries: String
        func url(database: String) -> String { "postgres://rapport@127.0.0.1:\(port)/\(database)?tlsmode=disable" }
    }

    private var cluster: Cluster?
    private var template: Task<Void, any Error>?
    nonisolated(unsafe) private static var clusterToStop: Cluster?

    /// The running cluster, started on first use.
    func running() throws -> Cluster {
        if let cluster { return cluster }
        let started = try Self.start()
        cluster = started
        Self.clusterToStop = started
        atexit {
            guard let cluster = TestPostgres.clusterToStop else { return }
            _ = try? Subprocess.run(
                cluster.binaries + "/pg_ctl", ["-D", cluster.directory + "/data", "-m", "immediate", "-w", "stop"],
                asPostgres: true)
            try? FileManager.default.removeItem(atPath: cluster.directory)
        }
        return started
    }

    /// A new, empty database (no tables).
    func emptyDatabase() throws -> String {
        let cluster = try running()
        let name = "empty_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try Self.psql(cluster, "CREATE DATABASE \(name)")
        return cluster.url(database: name)
    }

    /// A new database with every migration applied, copied from the template. `migrate` builds
    /// the template the first time.
    func migratedDatabase(migrate: @escaping @Sendable (String) async throws -> Void) async throws -> String {
        let cluster = try running()
        // Tests arrive concurrently; the first builds the template and the rest wait for it.
        let build =
            template
            ?? Task {
                try Self.psql(cluster, "CREATE DATABASE rapport_template")
                try await migrate(cluster.url(database: "rapport_template"))
            }
        template = build
        try await build.value
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        // A connection of the template's builder can linger a moment after its shutdown, and
        // PostgreSQL refuses to copy a database that has connections.
        try Self.psql(
            cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'rapport_template'")
        try Self.psql(cluster, "CREATE DATABASE \(name) TEMPLATE rapport_template")
        return cluster.url(database: name)
    }

    private static func psql(_ cluster: Cluster, _ statement: String) throws {
        try Subprocess.run(
            cluster.binaries + "/psql",
            [
                "-h", "127.0.0.1", "-p", String(cluster.port), "-U", "rapport", "-d", "postgres", "-v",
                "ON_ERROR_STOP=1", "-q", "-c", statement,
            ])
    }

    private static func start() throws -> Cluster {
        guard
            let binaries = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")
                .sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last.map({
                    "/usr/lib/postgresql/\($0)/bin"
                }),
            FileManager.default.fileExists(atPath: binaries + "/initdb")
        else {
            throw RapportMessageError(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql. Install them with 'apt-get install postgresql' (bash .ci/run does)."
            )
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "rapport-pg-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try Subprocess.run("/bin/chown", ["postgres:", directory]) }
        try Subprocess.run(
            binaries + "/initdb",
            [
                "-D", directory + "/data", "-U", "rapport", "--auth=trust", "--no-sync", "-E", "UTF8",
                "--locale=C.UTF-8",
            ], asPostgres: true)
        var lastError: (any Error)?
        for _ in 0..<8 {
            let port = Int.random(in: 20_000...60_000)
            do {
                try Subprocess.run(
                    binaries + "/pg_ctl",
                    [
                        "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-t", "30",
                        "-o",
                        "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000",
                        "start",
                    ], asPostgres: true)
                return Cluster(directory: directory, port: port, binaries: binaries)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? RapportMessageError("PostgreSQL did not start")
    }
}
