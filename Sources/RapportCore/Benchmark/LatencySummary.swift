import Foundation

/// Percentiles of a set of measured durations, by the nearest-rank method.
public struct LatencySummary: Sendable, Equatable {
    public let count: Int
    public let minimum: Duration
    public let p50: Duration
    public let p95: Duration
    public let p99: Duration
    public let maximum: Duration

    public init?(_ samples: [Duration]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ percentile: Double) -> Duration {
            sorted[min(sorted.count - 1, max(0, Int((percentile / 100 * Double(sorted.count)).rounded(.up)) - 1))]
        }
        count = sorted.count
        minimum = sorted[0]
        p50 = rank(50)
        p95 = rank(95)
        p99 = rank(99)
        maximum = sorted[sorted.count - 1]
    }
}

extension Duration {
    /// The duration in milliseconds, as a floating-point number.
    public var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    /// The duration in seconds, as a floating-point number.
    public var inSeconds: Double { milliseconds / 1_000 }
}

/// Times a piece of work many times after a short warm-up, for the micro-benchmarks.
public enum BenchmarkTimer {
    public static func measure(iterations: Int, _ work: () throws -> Void) rethrows -> LatencySummary {
        let clock = ContinuousClock()
        for _ in 0..<min(20, iterations) { try work() }  // warm up caches and compiled patterns
        var samples: [Duration] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) {
            let start = clock.now
            try work()
            samples.append(clock.now - start)
        }
        return LatencySummary(samples)!
    }

    public static func measure(iterations: Int, _ work: () async throws -> Void) async rethrows -> LatencySummary {
        let clock = ContinuousClock()
        for _ in 0..<min(20, iterations) { try await work() }
        var samples: [Duration] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) {
            let start = clock.now
            try await work()
            samples.append(clock.now - start)
        }
        return LatencySummary(samples)!
    }
}
