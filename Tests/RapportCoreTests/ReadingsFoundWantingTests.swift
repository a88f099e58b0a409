import Foundation
import RapportCore
import Testing

/// Readings a support lead found wrong in the first hour: churn and sarcasm the mood reader
/// missed, and coach advice listed once per word or per occurrence.
@Suite("Moods and coach findings as a lead reads them")
struct ReadingsFoundWantingTests {
    let moods: MoodReader
    let coach: ReplyCoach

    init() throws {
        moods = try MoodReader.english()
        coach = try ReplyCoach.english()
    }

    @Test(
        "asking how to cancel is churn risk, whatever follows; cancelling an order is not",
        arguments: [
            ("How do I cancel without losing my history?", true),
            ("How do I cancel my subscription?", true),
            ("Can I cancel now and come back later?", true),
            ("I'd like to cancel, please.", true),
            ("How do I cancel my order? It was a mistake.", false),
            ("Can I cancel the delivery for Tuesday?", false),
        ])
    func cancelling(message: String, churn: Bool) {
        #expect(moods.read(message).churnRisk == churn, "\(message)")
    }

    @Test(
        "sarcastic praise is not positive",
        arguments: [
            "Great, another update that breaks everything. Thanks a lot.",
            "Thanks for nothing.",
            "Oh great, the app crashed again.",
            "Wonderful. Now nothing loads at all. Thanks a lot.",
        ])
    func sarcasm(message: String) {
        let mood = moods.read(message)
        #expect(mood.tone != "positive", "\(message) read as \(mood.sentiment)")
        #expect(mood.sentiment < 0, "\(message) read as \(mood.sentiment)")
    }

    @Test(
        "real praise stays positive",
        arguments: [
            "Great, thanks a lot for the quick fix!",
            "Thank you so much, everything works now.",
            "Wonderful service, thanks a lot.",
        ])
    func praise(message: String) {
        #expect(moods.read(message).tone == "positive", "\(message) read as \(moods.read(message).sentiment)")
    }

    func analyze(_ draft: String) -> ReplyAnalysis {
        coach.analyze(ReplyContext(draft: draft, customerName: "Maria Lopez", agentName: "Sam Patel"))
    }

    @Test("the same advice about several passages is one finding that lists every passage")
    func repeatedAdvice() throws {
        let draft =
            "Hi Maria,\n\nI can't change the plan and I can't refund it either.\n\nIf there's anything else I can help with, just reply.\n\nSam"
        let negative = analyze(draft).findings.filter { $0.rule == "negative-phrasing" }
        #expect(negative.count == 1, "\(negative)")
        let finding = try #require(negative.first)
        let utf16 = Array(draft.utf16)
        let passages = finding.ranges.map { String(utf16CodeUnits: Array(utf16[$0]), count: $0.count) }
        #expect(passages.count == 2)
        #expect(passages.allSatisfy { $0.lowercased().hasPrefix("i can't") }, "\(passages)")
        #expect(finding.start == finding.ranges.first?.lowerBound)
    }

    @Test("shouting is one finding however many words are in capitals, and costs the score once")
    func shoutingOnce() throws {
        let draft =
            "Hi Maria,\n\nThis is IMPORTANT. Please read it CAREFULLY, it is URGENT.\n\nIf there's anything else I can help with, just reply.\n\nSam"
        let analysis = analyze(draft)
        let shouting = analysis.findings.filter { $0.rule == "shouting" }
        #expect(shouting.count == 1)
        #expect(shouting.first?.ranges.count == 3)
        let calm = analyze(
            draft.replacingOccurrences(of: "CAREFULLY", with: "carefully").replacingOccurrences(
                of: "URGENT", with: "urgent"))
        #expect(analysis.score == calm.score, "one shouting finding costs the same for one word as for three")
    }

    @Test("findings stored before passages were listed still read back")
    func oldStoredFindings() throws {
        let stored = #"[{"rule":"blame","message":"This can read as blaming.","start":4,"end":12,"suggestion":null}]"#
        let findings = try JSONDecoder().decode([CoachFinding].self, from: Data(stored.utf8))
        #expect(findings.first?.ranges == [4..<12])
    }
}
