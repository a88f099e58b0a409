import ArgumentParser
import Foundation
import RapportCore

/// `rapport bench …` — measured benchmarks that print figures. Not tests: nothing here passes
/// or fails on time.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a benchmark and print its figures.", subcommands: [CoachBench.self])

    struct CoachBench: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "coach", abstract: "Time the reply coach on a 2,000-character draft and the mood reader on a message.")

        @Option(help: "How many timed runs of each.") var iterations = 2_000

        func validate() throws {
            guard (1...1_000_000).contains(iterations) else { throw ValidationError("--iterations must be from 1 to 1,000,000") }
        }

        func run() throws {
            print("benchmark        characters  runs      min        median     p99")
            for figures in try CoachBenchmark.run(iterations: iterations) {
                print(figures.name.padding(toLength: 17, withPad: " ", startingAt: 0)
                      + String(figures.characters).padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(figures.iterations).padding(toLength: 10, withPad: " ", startingAt: 0)
                      + [figures.minimum, figures.median, figures.p99].map { Self.microseconds($0).padding(toLength: 11, withPad: " ", startingAt: 0) }.joined())
            }
        }

        static func microseconds(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f µs", Double(seconds) * 1e6 + Double(attoseconds) / 1e12)
        }
    }
}
