import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import RapportCore
import RapportMail
import RapportServer

/// `rapport bench …` — measured benchmarks that print figures. Not tests: nothing here passes
/// or fails on time.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a benchmark and print its figures.",
        subcommands: [
            SeedBench.self, WorkloadBench.self, LiveBench.self, MicroBench.self, CoachBench.self, AdversarialBench.self,
        ]
    )

    struct SeedBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed",
            abstract:
                "Fill an empty database (the SQLite file in --data-dir, or DATABASE_URL) with a synthetic desk of N tickets."
        )

        @Option(help: "How many tickets (with about four messages each).") var tickets = 10_000
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard (1...20_000_000).contains(tickets) else {
                throw ValidationError("--tickets must be from 1 to 20,000,000")
            }
        }

        func run() async throws {
            let summary = try await withApplication(storage) { app in
                try await BenchmarkSeeder(tickets: tickets, now: Date(), passwordHashCost: Bench.passwordHashCost)
                    .seed(app) { print($0) }
            }
            print(
                "Seeded \(summary.tickets) tickets, \(summary.messages) messages, \(summary.customers) customers and \(summary.agents) agents in \(String(format: "%.1f", summary.seconds)) s"
                    + " (\(Int(Double(summary.tickets) / max(summary.seconds, 0.001))) tickets/s).")
            print(
                "Agents sign in as agent1@bench.rapport.example … agent20@bench.rapport.example with the password \(SyntheticDesk.agentPassword)."
            )
        }
    }

    struct WorkloadBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "workload",
            abstract:
                "Seed a desk if the database is empty, start 'rapport serve' on loopback, send each kind of request and print a table of throughput, latency and memory.",
            discussion:
                "Reads run first, on the desk as seeded; then creates, replies and email ingest. Targets are for SQLite; with DATABASE_URL they are doubled (PostgreSQL within 2×)."
        )

        @Option(help: "How many tickets to seed when the database is empty.") var tickets = 10_000
        @Option(help: "Timed requests per operation.") var requests = 2_000
        @Option(help: "Clients reading at once: latency targets are for a lightly loaded server, one client per core.")
        var concurrency = 2
        @Option(help: "Clients writing at once: throughput targets are for a busy server.") var writeConcurrency = 8
        @Option(help: "Untimed requests per operation first.") var warmup = 100
        @Flag(help: "A quick check that every operation works (20 requests each, no warm-up); the figures mean little.")
        var smoke = false
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard (1...20_000_000).contains(tickets) else {
                throw ValidationError("--tickets must be from 1 to 20,000,000")
            }
            guard (1...1_000_000).contains(requests) else {
                throw ValidationError("--requests must be from 1 to 1,000,000")
            }
            guard (1...256).contains(concurrency), (1...256).contains(writeConcurrency) else {
                throw ValidationError("--concurrency and --write-concurrency must be from 1 to 256")
            }
            guard (0...100_000).contains(warmup) else { throw ValidationError("--warmup must be from 0 to 100,000") }
        }

        func run() async throws {
            let requests = smoke ? 20 : requests
            let warmup = smoke ? 0 : warmup
            let concurrency = smoke ? 2 : concurrency
            let writeConcurrency = smoke ? 2 : writeConcurrency
            let usesPostgres = !(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty
            let (access, seeded) = try await withApplication(storage) { app in
                var seeded: BenchmarkSeeder.Summary?
                if try await BenchmarkAccess.isEmpty(app) {
                    seeded = try await BenchmarkSeeder(
                        tickets: tickets, now: Date(), passwordHashCost: Bench.passwordHashCost
                    ).seed(app) { print($0) }
                }
                return (try await BenchmarkAccess.prepare(app), seeded)
            }
            if let seeded { print("Seeded \(seeded.tickets) tickets in \(String(format: "%.1f", seeded.seconds)) s.") }

            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    connectionPool: .init(
                        idleTimeout: .seconds(60),
                        concurrentHTTP1ConnectionsPerHostSoftLimit: max(concurrency, writeConcurrency)),
                    decompression: .disabled))
            let server = try ServerUnderTest(dataDirectory: storage.dataDir, environment: [:])
            do {
                try await server.start(client: client)
                try await Task.sleep(for: .seconds(1))
                let atRest = server.memory().resident
                let openTickets = try await Self.openTickets(
                    client: client, baseURL: server.baseURL, token: access.apiToken)
                let plan = WorkloadPlan(
                    baseURL: server.baseURL, access: access,
                    desk: SyntheticDesk(tickets: access.ticketCount, now: Date()),
                    openTickets: openTickets, scale: usesPostgres ? 2 : 1)
                let readers = WorkloadRunner(
                    client: client, requests: requests, concurrency: concurrency, warmup: warmup)
                let writers = WorkloadRunner(
                    client: client, requests: requests, concurrency: writeConcurrency, warmup: warmup)
                let sampler = Task { () -> Int in
                    var highest = 0
                    while !Task.isCancelled {
                        highest = max(highest, server.memory().resident)
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    return highest
                }
                var results: [OperationResult] = []
                let operations = plan.operations()
                for (offset, operation) in operations.reads.enumerated() {
                    results.append(await readers.run(operation, offset: offset * 1_000_000))
                }
                for (offset, operation) in operations.writes.enumerated() {
                    results.append(await writers.run(operation, offset: (offset + 100) * 1_000_000))
                }
                sampler.cancel()
                let underLoad = max(await sampler.value, server.memory().resident)
                let report = WorkloadReport(
                    engine: usesPostgres ? "PostgreSQL" : "SQLite", access: access, requests: requests,
                    results: results, restingMemory: atRest, memoryUnderLoad: underLoad,
                    peakMemory: server.memory().peak,
                    coldStart: server.coldStart, scale: usesPostgres ? 2 : 1
                )
                print(report.text)
                server.stop()
                try await client.shutdown()
                if report.failures > 0 {
                    throw RapportMessageError(
                        "\(report.failures) requests failed; see the table. Server log: \(server.logPath)")
                }
            } catch {
                server.stop()
                try? await client.shutdown()
                throw error
            }
        }

        /// Up to 200 tickets awaiting an answer, for the reply benchmark.
        static func openTickets(client: HTTPClient, baseURL: String, token: String) async throws -> [Int] {
            var request = HTTPClientRequest(url: baseURL + "/api/v1/tickets?status=new,open&limit=200")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 16 << 20)
            struct Page: Decodable {
                struct Row: Decodable { let number: Int }
                let tickets: [Row]
            }
            return (try? JSONDecoder().decode(Page.self, from: Data(body.readableBytesView)).tickets.map(\.number))
                ?? []
        }
    }

    struct LiveBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "live",
            abstract:
                "Measure live updates: delivery to tabs spread over the instances, a tab cut off again and again while events are written, many tabs on one instance, and (PostgreSQL) several instances writing at once.",
            discussion:
                "Seeds a small desk if the database is empty. With DATABASE_URL, starts --instances servers on the same database; on SQLite, one."
        )

        @Option(help: "How many tickets to seed when the database is empty.") var tickets = 2_000
        @Option(help: "Servers to start on PostgreSQL (SQLite always has one).") var instances = 2
        @Option(help: "Tabs for the many-tabs part.") var tabs = 300
        @Option(help: "Times the cut-off tab loses its connection.") var drops = 1_000
        @Option(help: "Events written while it does.") var events = 5_000
        @Option(help: "Replies timed from one instance to tabs on the others.") var replies = 200
        @Option(help: "Seconds of one change a second for the many-tabs part.") var seconds = 30
        @Option(help: "Creates per run of the create-rate comparison.") var creates = 1_000
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard (1...8).contains(instances) else { throw ValidationError("--instances must be from 1 to 8") }
            guard (1...2_000).contains(tabs), (0...100_000).contains(drops), (1...1_000_000).contains(events) else {
                throw ValidationError("--tabs must be 1–2,000, --drops 0–100,000, --events 1–1,000,000")
            }
        }

        func run() async throws {
            let usesPostgres = !(ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "").isEmpty
            try await withApplication(storage) { app in
                if try await BenchmarkAccess.isEmpty(app) {
                    _ = try await BenchmarkSeeder(
                        tickets: tickets, now: Date(), passwordHashCost: Bench.passwordHashCost
                    ).seed(app) { print($0) }
                }
                let access = try await BenchmarkAccess.prepare(app)
                let client = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: .init(
                        connectionPool: .init(
                            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32),
                        decompression: .disabled))
                let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
                let count = usesPostgres ? instances : 1
                var servers: [ServerUnderTest] = []
                do {
                    for index in 0..<count {
                        let directory =
                            count == 1
                            ? storage.dataDir
                            : (storage.dataDir as NSString).appendingPathComponent("instance-\(index + 1)")
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                        let server = try ServerUnderTest(
                            dataDirectory: directory,
                            environment: [
                                "RAPPORT_SECRET_KEY": secret,
                                "LOG_LEVEL": ProcessInfo.processInfo.environment["RAPPORT_BENCH_SERVER_LOG"]
                                    ?? "warning",
                            ])
                        try await server.start(client: client)
                        servers.append(server)
                    }
                    let open = try await WorkloadBench.openTickets(
                        client: client, baseURL: servers[0].baseURL, token: access.apiToken)
                    guard !open.isEmpty else { throw RapportMessageError("The desk has no open tickets to write to.") }
                    let bench = LiveBenchmark(
                        access: access, instances: servers, client: client,
                        group: MultiThreadedEventLoopGroup.singleton, tabs: tabs, drops: drops, events: events,
                        latest: { try await BenchmarkAccess.visibleEventIDs(app, agentID: access.agentID) })
                    print(
                        "## Live updates (\(usesPostgres ? "PostgreSQL, \(count) instances" : "SQLite, one instance"), \(access.ticketCount) tickets)\n"
                    )
                    let delivery = try await bench.delivery(replies: replies, tabCount: 20, openTickets: open)
                    print("| measure | figure |\n|---|---|")
                    print(
                        "| reply on instance 1 → 20 tabs spread over the instances, p50 / p95 / max | \(Self.ms(delivery.all)) |"
                    )
                    if let other = delivery.otherInstance {
                        print("| … tabs on the other instances only | \(Self.ms(other)) |")
                    }
                    let cuts = try await bench.cuts(openTickets: open)
                    print(
                        "| one tab cut \(cuts.cuts) times (half closed properly, half abandoned mid-stream, each time to the next instance) while \(events) events were written: received / expected | \(cuts.received) / \(cuts.expected), missing \(cuts.missing), twice \(cuts.duplicates), out of order \(cuts.outOfOrder) |"
                    )
                    let many = try await bench.manyTabs(seconds: seconds, openTickets: open)
                    print(
                        "| \(tabs) tabs on one instance, one change a second for \(seconds) s: delivery p50 / p95 / max | \(Self.ms(many)) |"
                    )
                    let without1 = try await bench.createRate(withTabs: false, requests: creates)
                    let with = try await bench.createRate(withTabs: true, requests: creates)
                    let without2 = try await bench.createRate(withTabs: false, requests: creates)
                    let baseline = (without1.perSecond + without2.perSecond) / 2
                    print(
                        "| creates/s at 8 clients: no tabs / \(tabs) tabs connected (each create reaches every tab) | \(Int(baseline)) / \(Int(with.perSecond)) (\(String(format: "%+.0f", (with.perSecond / baseline - 1) * 100)) %) |"
                    )
                    if servers.count > 1 {
                        let one = try await bench.creates(on: [servers[0]], requests: creates, clients: 8)
                        let all = try await bench.creates(on: servers, requests: creates, clients: 8)
                        let ratio =
                            (all.latency?.p95.milliseconds ?? 0) / max(one.latency?.p95.milliseconds ?? 1, 0.001)
                        print(
                            "| create commit latency p95: one instance × 8 clients / \(servers.count) instances × 8 clients each | \(Self.p95(one.latency)) / \(Self.p95(all.latency)) (× \(String(format: "%.2f", ratio))); creates/s \(Int(one.perSecond)) / \(Int(all.perSecond)) |"
                        )
                    }
                    for server in servers { server.stop() }
                    try await client.shutdown()
                } catch {
                    for server in servers { server.stop() }
                    try? await client.shutdown()
                    throw error
                }
            }
        }

        static func ms(_ summary: LatencySummary?) -> String {
            guard let summary else { return "no samples" }
            return String(
                format: "%.1f / %.1f / %.1f ms (%d samples)", summary.p50.milliseconds, summary.p95.milliseconds,
                summary.maximum.milliseconds, summary.count)
        }

        static func p95(_ summary: LatencySummary?) -> String {
            summary.map { String(format: "%.1f ms", $0.p95.milliseconds) } ?? "—"
        }
    }

    struct MicroBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "micro",
            abstract:
                "Time the hot paths one at a time, in-process: MIME parsing, quote splitting, reply analysis, search query building, and the inbox, search and ticket queries on the database in --data-dir (seeded first if empty)."
        )

        @Option(help: "Timed runs of each.") var iterations = 2_000
        @Option(help: "How many tickets to seed when the database is empty.") var tickets = 10_000
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard (1...1_000_000).contains(iterations) else {
                throw ValidationError("--iterations must be from 1 to 1,000,000")
            }
            guard (1...20_000_000).contains(tickets) else {
                throw ValidationError("--tickets must be from 1 to 20,000,000")
            }
        }

        func run() async throws {
            var rows = try MicroBenchmarks.pure(iterations: iterations)
            rows += try await withApplication(storage) { app in
                if try await BenchmarkAccess.isEmpty(app) {
                    _ = try await BenchmarkSeeder(
                        tickets: tickets, now: Date(), passwordHashCost: Bench.passwordHashCost
                    ).seed(app) { print($0) }
                }
                return try await MicroBenchmarks.database(app, iterations: iterations)
            }
            print(MicroBenchmarks.table(rows))
        }
    }

    struct CoachBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coach",
            abstract: "Time the reply coach on a 2,000-character draft and the mood reader on a message.")

        @Option(help: "How many timed runs of each.") var iterations = 2_000

        func validate() throws {
            guard (1...1_000_000).contains(iterations) else {
                throw ValidationError("--iterations must be from 1 to 1,000,000")
            }
        }

        func run() throws {
            print("benchmark        characters  runs      min        median     p99")
            for figures in try CoachBenchmark.run(iterations: iterations) {
                print(
                    figures.name.padding(toLength: 17, withPad: " ", startingAt: 0)
                        + String(figures.characters).padding(toLength: 12, withPad: " ", startingAt: 0)
                        + String(figures.iterations).padding(toLength: 10, withPad: " ", startingAt: 0)
                        + [figures.minimum, figures.median, figures.p99].map {
                            Self.microseconds($0).padding(toLength: 11, withPad: " ", startingAt: 0)
                        }.joined())
            }
        }

        static func microseconds(_ duration: Duration) -> String {
            String(format: "%.1f µs", duration.milliseconds * 1_000)
        }
    }

    struct AdversarialBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "adversarial",
            abstract:
                "Time the coach, the mood reader and inbound mail on hostile input: repeated phrases, tens of thousands of encoded words, and randomly mutated messages."
        )

        @Option(help: "How many mutated messages to time.") var messages = 300
        @Option(help: "The seed of the mutations (the same seed times the same messages).") var seed: UInt64 = 2_047
        @Option(help: "Write the slowest mutated message to this file, to look into it.") var saveSlowest: String?
        @Option(help: "Only time this message file, step by step.") var file: String?

        func validate() throws {
            guard (1...100_000).contains(messages) else {
                throw ValidationError("--messages must be from 1 to 100,000")
            }
        }

        func run() throws {
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read '\(file)': check the path and that the file is readable")
                }
                for (stage, time) in try AdversarialBenchmark.stages(of: Array(data)) {
                    print(
                        stage.padding(toLength: 12, withPad: " ", startingAt: 0)
                            + String(format: "%9.1f ms", time.milliseconds))
                }
                return
            }
            print(AdversarialBenchmark.table(try AdversarialBenchmark.coach()))
            print()
            print(AdversarialBenchmark.table(try AdversarialBenchmark.mail()))
            let fuzz = try AdversarialBenchmark.fuzz(count: messages, seed: seed)
            let times = fuzz.times
            print(
                "\nmutated messages: \(times.count) (\(fuzz.bytes / 1_048_576) MB), median "
                    + String(format: "%.2f ms", times[times.count / 2].milliseconds) + ", p99 "
                    + String(format: "%.1f ms", times[min(times.count - 1, times.count * 99 / 100)].milliseconds)
                    + ", slowest " + String(format: "%.1f ms", (times.last ?? .zero).milliseconds)
                    + " (\(fuzz.slowest))")
            if let path = saveSlowest {
                try Data(fuzz.slowestMessage).write(to: URL(fileURLWithPath: path))
                print("the slowest message is in \(path)")
            }
        }
    }

    /// Seeded agents all share one password, hashed once: the benchmark's cost is not bcrypt's.
    static var passwordHashCost: Int {
        ProcessInfo.processInfo.environment["RAPPORT_BCRYPT_COST"].flatMap(Int.init) ?? 10
    }
}
