import Foundation

/// Times the reply coach and the mood reader on realistic text, for `rapport bench coach`.
/// Figures, not a pass or fail: compare them run against run on the same machine.
public enum CoachBenchmark {
    public struct Figures: Sendable {
        public let name: String
        public let characters: Int
        public let iterations: Int
        public let minimum: Duration
        public let median: Duration
        public let p99: Duration
    }

    /// A draft of about `length` characters: paragraphs of ordinary support prose with a few
    /// things for the coach to find.
    public static func draft(length: Int = 2_000) -> String {
        let paragraphs = [
            "Thanks for getting back to me about the invoice for March. I've looked at the account and the second charge came from the renewal running twice.",
            "Unfortunately we cannot change the billing date this month, but I have asked our billing team to refund the duplicate payment today.",
            "You should have received a confirmation email from our payment provider; if it is not in your inbox, please check the spam folder as well.",
            "I don't know yet whether the refund reaches your card before the weekend, because that depends on your bank, but I'll keep an eye on it for you.",
            "In the meantime the service keeps running as normal and nothing is lost: your projects, your users and your settings all stay exactly as they are.",
        ]
        var text = "Hi Maria,\n\n"
        var index = 0
        while text.count < length - 60 {
            text += paragraphs[index % paragraphs.count] + "\n\n"
            index += 1
        }
        return text + "Let me know if there is anything else.\n\nBest regards,\nSam"
    }

    public static func run(iterations: Int = 2_000) throws -> [Figures] {
        let coach = try ReplyCoach.english()
        let moods = try MoodReader.english()
        let draft = Self.draft()
        let context = ReplyContext(
            draft: draft, customerName: "Maria Lopez", agentName: "Sam Patel",
            customerMessage: "Why was I charged twice? Can I get the money back before Friday?", customerUpset: true)
        let inbound =
            "This is the second time you have charged me for March!! I want the money back today, or I will cancel and dispute it with my bank. Why does this keep happening?"
        return [
            measure("reply analysis", characters: draft.count, iterations: iterations) { _ = coach.analyze(context) },
            measure("inbound mood", characters: inbound.count, iterations: iterations) { _ = moods.read(inbound) },
        ]
    }

    static func measure(_ name: String, characters: Int, iterations: Int, _ work: () -> Void) -> Figures {
        let clock = ContinuousClock()
        for _ in 0..<min(20, iterations) { work() }  // warm up caches and compiled patterns
        var samples: [Duration] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<max(1, iterations) { samples.append(clock.measure(work)) }
        samples.sort()
        let p99Index = min(samples.count - 1, Int((Double(samples.count) * 0.99).rounded(.down)))
        return Figures(
            name: name, characters: characters, iterations: samples.count, minimum: samples[0],
            median: samples[samples.count / 2], p99: samples[p99Index])
    }
}
