import Foundation
import RapportCore
import RapportServer

/// The workload benchmark's table, in Markdown so it reads in a terminal and pastes into
/// docs/PERFORMANCE.md as it is.
struct WorkloadReport {
    let engine: String
    let access: BenchmarkAccess
    let requests: Int
    let results: [OperationResult]
    let restingMemory: Int
    let memoryUnderLoad: Int
    let peakMemory: Int
    let coldStart: Duration
    /// 2 on PostgreSQL, whose targets are twice SQLite's.
    let scale: Double

    var failures: Int { results.reduce(0) { $0 + $1.failures } }

    var text: String {
        var lines = [
            "",
            "\(engine) · \(Self.grouped(access.ticketCount)) tickets · \(Self.grouped(access.messageCount)) messages · \(Self.grouped(access.customerCount)) customers"
                + " · \(requests) timed requests per operation",
            "",
            "| operation | clients | req/s | p50 ms | p95 ms | p99 ms | target | met |",
            "|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for result in results {
            let latency = result.latency
            lines.append(
                "| \(result.operation) | \(result.clients) | \(Self.grouped(Int(result.requestsPerSecond.rounded()))) | \(Self.ms(latency?.p50)) | \(Self.ms(latency?.p95)) | \(Self.ms(latency?.p99)) | "
                    + "\(Self.describe(result.target)) | \(Self.verdict(result.meetsTarget))\(result.failures > 0 ? " (\(result.failures) failed)" : "") |"
            )
        }
        let memoryLimit = 250.0 * scale
        let startLimit = 1.0 * scale
        lines += [
            "",
            "| server | measured | target | met |",
            "|---|---:|---|---|",
            "| RSS at rest | \(Self.megabytes(restingMemory)) | | |",
            "| RSS under load (highest sample) | \(Self.megabytes(memoryUnderLoad)) | ≤ \(Int(memoryLimit)) MB | \(Self.verdict(Double(memoryUnderLoad) <= memoryLimit * 1_048_576)) |",
            "| RSS peak (kernel high-water mark) | \(Self.megabytes(peakMemory)) | | |",
            "| cold start to first request | \(String(format: "%.2f s", coldStart.inSeconds)) | ≤ \(String(format: "%g", startLimit)) s | \(Self.verdict(coldStart.inSeconds <= startLimit)) |",
        ]
        for result in results {
            if let failure = result.firstFailure { lines.append("\nFirst failure of \(result.operation): \(failure)") }
        }
        return lines.joined(separator: "\n")
    }

    static func describe(_ target: WorkloadOperation.Target?) -> String {
        switch target {
        case .p99(let limit)?: "p99 ≤ \(String(format: "%g", limit)) ms"
        case .throughput(let rate)?: "≥ \(grouped(Int(rate))) /s"
        case nil: "—"
        }
    }

    static func verdict(_ met: Bool?) -> String {
        switch met {
        case true?: "yes"
        case false?: "**no**"
        case nil: ""
        }
    }

    static func ms(_ duration: Duration?) -> String {
        guard let duration else { return "—" }
        let value = duration.milliseconds
        return value < 10 ? String(format: "%.2f", value) : String(format: "%.1f", value)
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_048_576) }

    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return result
    }
}
