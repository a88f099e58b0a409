import Foundation
import RapportCore
import RapportMail
import RapportServer

/// `rapport bench adversarial`: the inputs a hostile or broken client sends, timed through the
/// reply coach, the mood reader and everything an inbound email goes through before it is
/// stored (parse, classification, text, quote splitting, mood). Each input is also timed at
/// half its size: for linear work the ratio is about 2, for quadratic work about 4.
enum AdversarialBenchmark {
    struct Row {
        let name: String
        let size: Int
        let unit: String
        let time: Duration
        /// The time at this size over the time at half of it.
        let growth: Double?
    }

    static func coach() throws -> [Row] {
        let coach = try ReplyCoach.english()
        let moods = try MoodReader.english()
        let phrases = [
            "I do not know. ", "you need to ", "!!! ", "Unfortunately we cannot do that, as stated in the manual. ",
            "WHY IS THIS NOT WORKING ", "no sentence ever ends here and it goes on ",
        ]
        var rows: [Row] = []
        for phrase in phrases {
            let label = phrase.trimmingCharacters(in: .whitespaces)
            for length in [50_000, 200_000] {
                rows.append(
                    timed("coach: \"\(label)\" repeated", size: length, unit: "chars") { length in
                        _ = coach.analyze(
                            ReplyContext(
                                draft: repeated(phrase, length: length), customerName: "Pat Doe", agentName: "Sam",
                                customerMessage: repeated("Why? ", length: min(length, 20_000)), customerUpset: true))
                    })
            }
        }
        for phrase in ["This is unacceptable!!! ", "cancel my account now ", "STILL NOT WORKING "] {
            rows.append(
                timed("mood: \"\(phrase.trimmingCharacters(in: .whitespaces))\" repeated", size: 200_000, unit: "chars")
                { length in _ = moods.read(repeated(phrase, length: length)) })
        }
        return rows
    }

    static func mail() throws -> [Row] {
        let moods = try MoodReader.english()
        var rows: [Row] = []
        let words: [(String, (Int) -> String)] = [
            (
                "one charset",
                { count in Array(repeating: "=?utf-8?q?caf=C3=A9?=", count: count).joined(separator: " ") }
            ),
            (
                "two charsets alternating",
                { count in
                    (0..<count).map { $0 % 2 == 0 ? "=?utf-8?b?w6k=?=" : "=?iso-8859-1?q?=E9?=" }.joined(separator: " ")
                }
            ),
            ("never closed", { count in String(repeating: "=?utf-8?q?abc ", count: count) }),
            ("openings only", { count in String(repeating: "=?utf-8?q?", count: count) }),
        ]
        for (label, make) in words {
            rows.append(
                timed("encoded words, \(label): header", size: 40_000, unit: "words") { count in
                    _ = EncodedWords.decode(make(count))
                })
            rows.append(
                timed("encoded words, \(label): whole message", size: 40_000, unit: "words") { count in
                    inbound(message(headers: "Subject: \(make(count))\r\n"), moods: moods)
                })
        }
        return rows
    }

    /// Every input below, each mutated `count` times at random (a slice repeated, removed or
    /// spliced, markup and encoded words inserted), through the inbound pipeline. A fixed seed
    /// makes two runs time the same messages.
    static func fuzz(count: Int, seed: UInt64) throws -> (
        times: [Duration], slowest: String, slowestMessage: [UInt8], bytes: Int
    ) {
        let moods = try MoodReader.english()
        var random = SplitMix(seed: seed)
        let seeds = seedMessages()
        var times: [Duration] = []
        var slowest = (time: Duration.zero, name: "", message: [UInt8]())
        var bytes = 0
        let clock = ContinuousClock()
        for index in 0..<count {
            let (name, original) = seeds[index % seeds.count]
            var mutant = original
            var applied: [String] = []
            for _ in 0...random.next(below: 3) { applied.append(mutate(&mutant, random: &random)) }
            bytes += mutant.count
            let time = clock.measure { inbound(mutant, moods: moods) }
            times.append(time)
            if time > slowest.time { slowest = (time, "\(name) after \(applied.joined(separator: ", "))", mutant) }
        }
        return (times.sorted(), slowest.name, slowest.message, bytes)
    }

    // MARK: Inputs

    static func repeated(_ phrase: String, length: Int) -> String {
        String(String(repeating: phrase, count: length / phrase.count + 1).prefix(length))
    }

    static func message(headers: String, contentType: String = "text/plain; charset=utf-8", body: String = "Hello")
        -> [UInt8]
    {
        Array(
            ("From: Pat <pat@example.com>\r\nTo: help@desk.example\r\nMessage-ID: <adversarial@example.com>\r\n"
                + "Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n" + headers + "Content-Type: \(contentType)\r\n\r\n" + body)
                .utf8)
    }

    static func seedMessages() -> [(String, [UInt8])] {
        let parts = (0..<200).map { "--b\r\nContent-Type: text/plain\r\n\r\npart \($0)\r\n" }.joined() + "--b--\r\n"
        return [
            ("a plain message", message(headers: "Subject: Printer offline\r\n", body: "It stopped working.\r\n")),
            ("an encoded subject", message(headers: "Subject: =?utf-8?q?caf=C3=A9?= =?utf-8?b?w6k=?=\r\n")),
            (
                "an HTML message",
                message(
                    headers: "Subject: s\r\n", contentType: "text/html",
                    body:
                        "<div><p>Hello <b>there</b></p><blockquote>On Monday Sam wrote:<br>&gt; old</blockquote></div>")
            ),
            (
                "a multipart message",
                message(headers: "Subject: s\r\n", contentType: "multipart/mixed; boundary=b", body: parts)
            ),
            (
                "a quoted reply",
                message(
                    headers: "Subject: Re: s\r\nIn-Reply-To: <a@b>\r\nReferences: <a@b> <c@d>\r\n",
                    body: "Thanks!\r\n\r\nOn Mon, 7 Dec 2026, Sam wrote:\r\n> Did it work?\r\n>> Earlier\r\n")
            ),
            (
                "a bounce",
                message(
                    headers: "Subject: Undelivered Mail Returned to Sender\r\nFrom: MAILER-DAEMON@mx.example\r\n",
                    contentType: "multipart/report; report-type=delivery-status; boundary=r",
                    body:
                        "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y.z\r\nStatus: 5.1.1\r\n--r--\r\n"
                )
            ),
        ]
    }

    static func mutate(_ bytes: inout [UInt8], random: inout SplitMix) -> String {
        let limit = 4 * 1024 * 1024
        let start = random.next(below: bytes.count)
        let length = min(bytes.count - start, 1 + random.next(below: 64))
        let slice = Array(bytes[start..<(start + length)])
        switch random.next(below: 6) {
        case 0:
            let times = 2 + random.next(below: 20_000)
            var grown = Array(bytes[..<start])
            for _ in 0..<times where grown.count < limit { grown += slice }
            grown += bytes[start...]
            bytes = grown
            return "a slice repeated \(times) times"
        case 1:
            bytes.removeSubrange(start..<(start + length))
            if bytes.isEmpty { bytes = [0x0A] }
            return "a slice removed"
        case 2:
            let insert = Array(
                String(
                    repeating: ["=?utf-8?q?", "?=", "=?x?B?", "=?"][random.next(below: 4)],
                    count: 1 + random.next(below: 30_000)
                ).utf8)
            bytes.insert(contentsOf: insert.prefix(limit), at: start)
            return "encoded-word fragments inserted"
        case 3:
            let markup = ["<div>", "</div>", "<", "&amp;", "<!--", "<blockquote>", "\r\n> ", "\r\n--b\r\n", "(", "\""]
            let piece = markup[random.next(below: markup.count)]
            bytes.insert(
                contentsOf: Array(String(repeating: piece, count: 1 + random.next(below: 50_000)).utf8).prefix(limit),
                at: start)
            return "markup \(piece.debugDescription) inserted"
        case 4:
            for _ in 0..<(1 + random.next(below: 50)) {
                bytes[random.next(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next(below: 256))
            }
            return "bytes changed"
        default:
            let header =
                Array("X-Fold: a\r\n".utf8)
                + Array(repeating: Array("\r\n b".utf8), count: random.next(below: 40_000)).flatMap { $0 }
            bytes.insert(contentsOf: header.prefix(limit), at: min(start, 60))
            return "a folded header inserted"
        }
    }

    /// What an inbound message costs before the database: as InboundMailService does it.
    static func inbound(_ raw: [UInt8], moods: MoodReader) {
        let message = ParsedEmail(bytes: raw)
        _ = MailClassification.classify(message)
        let reply = ReplyText(InboundMessageText.of(message).text)
        _ = moods.read(reply.newText)
    }

    /// One message through the inbound steps, each timed: where a slow message spends it.
    static func stages(of raw: [UInt8]) throws -> [(String, Duration)] {
        let moods = try MoodReader.english()
        let clock = ContinuousClock()
        var message: ParsedEmail?
        var reply: ReplyText?
        return [
            ("parse", clock.measure { message = ParsedEmail(bytes: raw) }),
            ("classify", clock.measure { _ = message.map(MailClassification.classify) }),
            ("reply text", clock.measure { reply = message.map { ReplyText(InboundMessageText.of($0).text) } }),
            ("mood", clock.measure { _ = reply.map { moods.read($0.newText) } }),
        ]
    }

    // MARK: Timing

    static func timed(_ name: String, size: Int, unit: String, _ work: (Int) -> Void) -> Row {
        let full = best(of: 3) { work(size) }
        let half = best(of: 3) { work(size / 2) }
        return Row(name: name, size: size, unit: unit, time: full, growth: half > .zero ? full / half : nil)
    }

    static func best(of runs: Int, _ work: () -> Void) -> Duration {
        let clock = ContinuousClock()
        return (0..<runs).map { _ in clock.measure(work) }.min() ?? .zero
    }

    static func table(_ rows: [Row]) -> String {
        var lines = ["| input | size | time ms | × time at half size |", "|---|---:|---:|---:|"]
        for row in rows {
            lines.append(
                "| \(row.name) | \(row.size) \(row.unit) | " + String(format: "%.1f", row.time.milliseconds) + " | "
                    + (row.growth.map { String(format: "%.2f", $0) } ?? "–") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

/// A small, fast, seedable generator (SplitMix64), so a fuzz run can be repeated exactly.
struct SplitMix {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
}
