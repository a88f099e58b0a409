import Foundation
import RapportCore
import Testing

/// The coach measured against a labelled set written for it (Tests/RapportCoreTests/
/// CoachEvaluation): real-sounding replies and inbound messages, each with what should be found.
/// Every rule must reach a precision and a recall of at least 0.9.
@Suite("Coach evaluation")
struct CoachEvaluationTests {
    static let minimum = 0.9
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "CoachEvaluation")

    struct ReplyCase: Decodable {
        let id: String
        let customerName: String
        let agentName: String
        let customerUpset: Bool
        let customerMessage: String?
        let draft: String
        let expected: [String]

        enum CodingKeys: String, CodingKey {
            case id
            case customerName = "customer_name"
            case agentName = "agent_name"
            case customerUpset = "customer_upset"
            case customerMessage = "customer_message"
            case draft, expected
        }
    }

    struct InboundCase: Decodable {
        let id: String
        let message: String
        let sentiment: String
        let upset: Bool
        let churnRisk: Bool
        let urgent: Bool
        let questions: [String]

        enum CodingKeys: String, CodingKey {
            case id, message, sentiment, upset
            case churnRisk = "churn_risk"
            case urgent, questions
        }
    }

    /// Counts for one rule or flag, with the cases it got wrong.
    struct Tally: CustomStringConvertible {
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        var misses: [String] = []

        var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }

        mutating func record(expected: Bool, found: Bool, id: String) {
            switch (expected, found) {
            case (true, true): truePositives += 1
            case (false, true):
                falsePositives += 1
                misses.append("+\(id)")
            case (true, false):
                falseNegatives += 1
                misses.append("-\(id)")
            case (false, false): break
            }
        }

        var description: String {
            String(
                format: "precision %.2f  recall %.2f  (tp %d, fp %d, fn %d)", precision, recall, truePositives,
                falsePositives, falseNegatives)
                + (misses.isEmpty ? "" : "  wrong: " + misses.prefix(12).joined(separator: " "))
        }
    }

    @Test("every reply rule reaches 0.9 precision and recall on the labelled replies")
    func replyRules() throws {
        let cases = try JSONDecoder().decode(
            [ReplyCase].self, from: Data(contentsOf: Self.directory.appendingPathComponent("replies.json")))
        #expect(cases.count >= 150)
        let coach = try ReplyCoach.english()
        var tallies = Dictionary(uniqueKeysWithValues: ReplyRule.allCases.map { ($0.rawValue, Tally()) })
        for example in cases {
            let found = coach.analyze(
                ReplyContext(
                    draft: example.draft, customerName: example.customerName, agentName: example.agentName,
                    customerMessage: example.customerMessage, customerUpset: example.customerUpset)
            ).rules
            for rule in ReplyRule.allCases.map(\.rawValue) {
                tallies[rule]?.record(
                    expected: example.expected.contains(rule), found: found.contains(rule), id: example.id)
            }
        }
        print("Reply coach on \(cases.count) labelled replies:")
        for rule in ReplyRule.allCases.map(\.rawValue) {
            let tally = tallies[rule]!
            print("  \(rule.padding(toLength: 20, withPad: " ", startingAt: 0)) \(tally)")
            #expect(tally.precision >= Self.minimum && tally.recall >= Self.minimum, "\(rule): \(tally)")
        }
    }

    @Test("upset, churn risk, urgency and questions reach 0.9 on the labelled inbound messages")
    func inboundMood() throws {
        let cases = try JSONDecoder().decode(
            [InboundCase].self, from: Data(contentsOf: Self.directory.appendingPathComponent("inbound.json")))
        #expect(cases.count >= 100)
        let reader = try MoodReader.english()
        var upset = Tally()
        var churn = Tally()
        var urgent = Tally()
        var questions = Tally()
        var toneRight = 0
        var toneWrong: [String] = []
        for example in cases {
            let mood = reader.read(example.message)
            upset.record(expected: example.upset, found: mood.upset, id: example.id)
            churn.record(expected: example.churnRisk, found: mood.churnRisk, id: example.id)
            urgent.record(expected: example.urgent, found: mood.urgent, id: example.id)
            let asked = Set(example.questions.map { $0.trimmingCharacters(in: .whitespaces) })
            let heard = Set(mood.questions)
            questions.truePositives += asked.intersection(heard).count
            questions.falsePositives += heard.subtracting(asked).count
            questions.falseNegatives += asked.subtracting(heard).count
            if asked != heard { questions.misses.append(example.id) }
            if mood.tone == example.sentiment {
                toneRight += 1
            } else {
                toneWrong.append("\(example.id):\(mood.tone)≠\(example.sentiment)")
            }
        }
        let toneAccuracy = Double(toneRight) / Double(cases.count)
        print("Mood on \(cases.count) labelled inbound messages:")
        for (name, tally) in [("upset", upset), ("churn_risk", churn), ("urgent", urgent), ("questions", questions)] {
            print("  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(tally)")
            #expect(tally.precision >= Self.minimum && tally.recall >= Self.minimum, "\(name): \(tally)")
        }
        print(
            String(format: "  sentiment    tone right %.2f", toneAccuracy)
                + (toneWrong.isEmpty ? "" : "  wrong: " + toneWrong.prefix(10).joined(separator: " ")))
        #expect(toneAccuracy >= 0.8, "sentiment tone right in \(toneRight) of \(cases.count)")
    }
}
