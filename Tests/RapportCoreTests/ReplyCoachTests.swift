import Foundation
import RapportCore
import Testing

@Suite("Reply coach")
struct ReplyCoachTests {
    let coach: ReplyCoach

    init() throws { coach = try ReplyCoach.english() }

    func analyze(
        _ draft: String, customer: String = "Maria Lopez", agent: String = "Sam Patel", message: String? = nil,
        upset: Bool = false
    ) -> ReplyAnalysis {
        coach.analyze(
            ReplyContext(
                draft: draft, customerName: customer, agentName: agent, customerMessage: message, customerUpset: upset))
    }

    static let goodReply = """
        Hi Maria,

        thanks for your patience. I've checked your order and the parcel left our warehouse this morning; \
        I'll send you the tracking link as soon as the courier scans it.

        If there's anything else I can help with, just reply to this email.

        Best regards,
        Sam
        """

    @Test("a warm, complete reply has nothing to improve")
    func goodReplyScoresFull() {
        let analysis = analyze(Self.goodReply, message: "Where is my parcel?", upset: true)
        #expect(analysis.findings.isEmpty, "\(analysis.findings)")
        #expect(analysis.score == 100)
    }

    @Test("negative phrasing is located exactly and comes with a positive rewrite")
    func negativePhrasingRange() throws {
        let draft = "Hi Maria,\n\nI don't know when it ships. Let me know if you need anything else.\n\nSam"
        let finding = try #require(analyze(draft).findings.first { $0.rule == "negative-phrasing" })
        let start = try #require(finding.start)
        let end = try #require(finding.end)
        let utf16 = Array(draft.utf16)
        #expect(String(utf16CodeUnits: Array(utf16[start..<end]), count: end - start) == "I don't know")
        #expect(finding.suggestion == "Let me find that out for you")
    }

    @Test("positions are UTF-16 offsets, as a browser's text selection counts them")
    func utf16Offsets() throws {
        let draft = "Hi Maria 👋🏽, we cannot change the date. Anything else I can do?\nSam"
        let finding = try #require(analyze(draft).findings.first { $0.rule == "negative-phrasing" })
        let prefix = "Hi Maria 👋🏽, "
        #expect(finding.start == prefix.utf16.count)
        #expect(finding.end == prefix.utf16.count + "we cannot".utf16.count)
    }

    @Test(
        "turns of phrase that only look negative are left alone",
        arguments: [
            "I can't wait for you to try it", "No problem at all", "You don't have to do anything",
            "I can't thank you enough for the report",
            "There's nothing you need to do", "No need to send it back",
        ])
    func nearMisses(phrase: String) {
        let analysis = analyze(
            "Hi Maria,\n\n\(phrase). I've sent the new key. Let me know if anything else comes up.\n\nSam")
        #expect(!analysis.rules.contains("negative-phrasing"), "\(analysis.findings)")
    }

    @Test("curly apostrophes match like straight ones")
    func typographicQuotes() {
        #expect(analyze("Hi Maria, I don\u{2019}t know. Anything else?\nSam").rules.contains("negative-phrasing"))
    }

    @Test("the name counts in any form: first name, title and surname, other letter case, accents")
    func names() {
        #expect(!analyze("Dear Ms Lopez, I've fixed it. Anything else?\nSam").rules.contains("missing-name"))
        #expect(!analyze("hello maria! I've fixed it. Anything else?\nSam").rules.contains("missing-name"))
        #expect(
            !analyze("Hi Soren, I've fixed it. Anything else?\nSam", customer: "Søren Kjær").rules.contains(
                "missing-name"))
        #expect(analyze("Hi there, I've fixed it. Anything else?\nSam").rules.contains("missing-name"))
    }

    @Test("shouting: runs of capitals and !!, but not acronyms or order codes")
    func shouting() {
        #expect(
            analyze("Hi Maria, PLEASE READ THIS before you restart. Anything else?\nSam").rules.contains("shouting"))
        #expect(analyze("Hi Maria, it's fixed!! Anything else?\nSam").rules.contains("shouting"))
        #expect(
            !analyze("Hi Maria, plug the USB stick in and open the PDF for order ORD-12345. Anything else?\nSam").rules
                .contains("shouting"))
    }

    @Test("an unanswered question is quoted back")
    func unansweredQuestion() throws {
        let message = "Hello, my invoice is wrong. Also, can I change my delivery address?"
        let analysis = analyze(
            "Hi Maria, I've corrected the invoice and sent it again. Anything else?\nSam", message: message)
        let finding = try #require(analysis.findings.first { $0.rule == "unanswered-question" })
        #expect(finding.message.contains("can I change my delivery address?"))
        let answered = analyze(
            "Hi Maria, I've corrected the invoice, and yes, I've changed the delivery address too. Anything else?\nSam",
            message: message)
        #expect(!answered.rules.contains("unanswered-question"))
    }

    @Test("a workspace can switch a rule off and add its own phrases")
    func workspaceOverride() throws {
        let override = CoachRuleSet(
            language: "en",
            rules: [
                "missing-greeting": .init(enabled: false),
                "negative-phrasing": .init(phrases: [
                    .init(pattern: "\\bper company policy\\b", suggestion: "Here's what our policy lets me do")
                ]),
            ])
        let custom = ReplyCoach(ruleSet: try CoachRuleSet.builtIn().merged(with: override))
        let analysis = custom.analyze(
            ReplyContext(
                draft: "Maria, per company policy the fee stays. Anything else?\nSam", customerName: "Maria Lopez",
                agentName: "Sam Patel"))
        #expect(!analysis.rules.contains("missing-greeting"))
        #expect(
            analysis.findings.contains {
                $0.rule == "negative-phrasing" && $0.suggestion == "Here's what our policy lets me do"
            })
        #expect(
            CoachRuleSet(language: "en", rules: ["blame": .init(patterns: ["(unclosed"])]).invalidPatterns == [
                "blame": ["(unclosed"]
            ])
    }

    @Test("the JSON has every key, null where there is nothing")
    func jsonShape() throws {
        let analysis = analyze("We cannot help.")
        let json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(analysis)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(json["score"] is Int)
        #expect(findings.allSatisfy { Set($0.keys) == ["rule", "message", "start", "end", "suggestion", "ranges"] })
        #expect(findings.contains { $0["start"] is NSNull })
    }
}

@Suite("Mood of inbound messages")
struct MoodReaderTests {
    let reader: MoodReader

    init() throws { reader = try MoodReader.english() }

    @Test func angryCustomerLeaving() {
        let mood = reader.read(
            "This is the THIRD time I'm writing!!! Cancel my subscription, I'm switching to another provider. Why does nobody answer?"
        )
        #expect(mood.upset)
        #expect(mood.churnRisk)
        #expect(mood.sentiment < 0)
        #expect(mood.questions == ["Why does nobody answer?"])
    }

    @Test func happyCustomer() {
        let mood = reader.read("Thanks so much, that worked perfectly. Great service!")
        #expect(!mood.upset && !mood.churnRisk && !mood.urgent)
        #expect(mood.tone == "positive")
    }

    @Test("cancelling an order is not leaving; 'not urgent' is not urgent")
    func nearMisses() {
        #expect(!reader.read("Could you cancel the order I placed by mistake this morning?").churnRisk)
        #expect(!reader.read("Not urgent at all, but could you check my invoice when you have a moment?").urgent)
        #expect(reader.read("Our whole site is down and we are losing sales, please help ASAP").urgent)
    }

    @Test("quoted history does not count")
    func quotedHistory() {
        let mood = reader.read(
            "Thanks, all sorted now.\n\nOn Monday, Support wrote:\n> This is unacceptable, I will cancel my account")
        #expect(!mood.churnRisk)
        #expect(!mood.upset)
    }
}

@Suite("Coach benchmark (smoke)")
struct CoachBenchmarkSmokeTests {
    @Test("the benchmark runs and reports ordered figures; its timings are not judged here")
    func smoke() throws {
        let figures = try CoachBenchmark.run(iterations: 3)
        #expect(figures.map(\.name) == ["reply analysis", "inbound mood"])
        #expect(figures[0].characters >= 1_900 && figures[0].characters <= 2_100)
        for figure in figures {
            #expect(figure.iterations == 3)
            #expect(figure.minimum <= figure.median && figure.median <= figure.p99)
        }
    }
}

/// Drafts that repeat one phrase thousands of times: before the coach was made linear a
/// 50,000-character one took nearly a minute. The limit below is a guard against that coming
/// back, not a timing; the figures are in `rapport bench adversarial`.
@Suite("Coach on hostile drafts", .timeLimit(.minutes(1)))
struct CoachHostileInputTests {
    @Test("a phrase repeated across 200,000 characters is found every time, as one finding")
    func repeatedPhrase() throws {
        let coach = try ReplyCoach.english()
        let phrase = "you need to "
        let count = 200_000 / phrase.count
        let draft = "Hi Pat,\n\n" + String(repeating: phrase, count: count) + "restart it."
        let analysis = coach.analyze(ReplyContext(draft: draft, customerName: "Pat", agentName: "Sam"))
        let demands = analysis.findings.filter { $0.rule == ReplyRule.negativePhrasing.rawValue }
        #expect(demands.count == 1, "the same advice for every passage is one finding")
        #expect(demands.first?.ranges.count == count, "every one of the \(count) passages is marked")
        let starts = demands.first?.ranges.map(\.lowerBound) ?? []
        #expect(starts == starts.sorted(), "passages in the order they appear")
    }

    @Test("sentences that each repeat a phrase and its exception, and a draft with no sentence end")
    func exceptionsAndOneLongSentence() throws {
        let coach = try ReplyCoach.english()
        for draft in [
            String(repeating: "I do not know. ", count: 13_000), String(repeating: "!!! ", count: 50_000),
            String(repeating: "no sentence ever ends here and it goes on ", count: 4_800),
        ] {
            let analysis = coach.analyze(ReplyContext(draft: draft, customerName: "Pat", agentName: "Sam"))
            #expect(analysis.score >= 0 && analysis.score <= 100)
            for finding in analysis.findings {
                #expect(finding.ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= draft.utf16.count })
            }
        }
    }
}
