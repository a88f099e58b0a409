import Foundation
import RapportCore
import RapportMail
import RapportServer
import Vapor

/// `rapport bench micro`: each hot path timed alone, so a change to one shows up without the
/// noise of HTTP and the other paths.
enum MicroBenchmarks {
    struct Row {
        let name: String
        let size: String
        let latency: LatencySummary
    }

    /// The paths that need no database.
    static func pure(iterations: Int) throws -> [Row] {
        let desk = SyntheticDesk(tickets: 1_000, now: Date())
        let knownSenders = ["ada@example.org"]
        let plain = Array(BenchmarkMail.raw(index: 0, desk: desk, knownSenders: knownSenders).utf8)
        let alternative = Array(BenchmarkMail.raw(index: 1, desk: desk, knownSenders: knownSenders).utf8)
        let attachment = Array(withAttachment(desk: desk).utf8)
        let quotedReply = replyWithQuote(desk: desk)
        let html =
            "<html><body>"
            + desk.newRequest(7).body.split(separator: "\n").map {
                "<p>\($0) <b>bold</b> &amp; <a href=\"https://example.org\">link</a></p>"
            }.joined() + "</body></html>"
        let coach = try ReplyCoach.english()
        let moods = try MoodReader.english()
        let draft = CoachBenchmark.draft()
        let context = ReplyContext(
            draft: draft, customerName: "Maria Lopez", agentName: "Sam Patel",
            customerMessage: "Why was I charged twice? Can I get the money back before Friday?", customerUpset: true)
        let inbound = desk.newRequest(3).body
        let searchText = "refund \"charged twice\" invoice-2026 -spam warranty"

        return [
            Row(
                name: "MIME parse: plain text", size: "\(plain.count) B",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = ParsedEmail(bytes: plain).text }),
            Row(
                name: "MIME parse: text + HTML", size: "\(alternative.count) B",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = ParsedEmail(bytes: alternative).text }),
            Row(
                name: "MIME parse: 100 KB attachment", size: "\(attachment.count) B",
                latency: BenchmarkTimer.measure(iterations: iterations) {
                    _ = ParsedEmail(bytes: attachment).attachments.count
                }),
            Row(
                name: "HTML to text", size: "\(html.utf8.count) B",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = HTMLText.plainText(html) }),
            Row(
                name: "quote splitting (reply text)", size: "\(quotedReply.utf8.count) B",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = ReplyText(quotedReply) }),
            Row(
                name: "reply analysis (coach)", size: "\(draft.count) chars",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = coach.analyze(context) }),
            Row(
                name: "inbound mood", size: "\(inbound.count) chars",
                latency: BenchmarkTimer.measure(iterations: iterations) { _ = moods.read(inbound) }),
            Row(
                name: "search query building", size: "\(searchText.count) chars",
                latency: BenchmarkTimer.measure(iterations: iterations) {
                    let query = SearchQuery(searchText)
                    _ = (query.fts5Expression, query.tsqueryExpression)
                }),
        ]
    }

    /// The queries, run in-process on the seeded database.
    static func database(_ app: Application, iterations: Int) async throws -> [Row] {
        let access = try await BenchmarkAccess.prepare(app)
        let tickets = max(access.ticketCount, 1)
        let size = "\(WorkloadReport.grouped(access.ticketCount)) tickets"
        var next = 0
        return [
            Row(
                name: "inbox query: My open, 50", size: size,
                latency: try await BenchmarkTimer.measure(iterations: iterations) {
                    _ = try await BenchmarkQueries.inboxPage(app, view: "mine")
                }),
            Row(
                name: "inbox query: All open, 50", size: size,
                latency: try await BenchmarkTimer.measure(iterations: iterations) {
                    _ = try await BenchmarkQueries.inboxPage(app, view: "open")
                }),
            Row(
                name: "ticket with conversation", size: size,
                latency: try await BenchmarkTimer.measure(iterations: iterations) {
                    next += 1
                    try await BenchmarkQueries.ticketDetail(app, number: 1 + (next &* 7_919) % tickets)
                }),
            Row(
                name: "search query: one word, top 25", size: size,
                latency: try await BenchmarkTimer.measure(iterations: max(1, iterations / 10)) {
                    _ = try await BenchmarkQueries.search(app, text: SyntheticDesk.onePercentWord)
                }),
        ]
    }

    static func table(_ rows: [Row]) -> String {
        var lines = ["| benchmark | input | runs | min µs | p50 µs | p99 µs |", "|---|---|---:|---:|---:|---:|"]
        for row in rows {
            let figures = [row.latency.minimum, row.latency.p50, row.latency.p99].map {
                String(format: "%.1f", $0.milliseconds * 1_000)
            }
            lines.append(
                "| \(row.name) | \(row.size) | \(row.latency.count) | " + figures.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    static func withAttachment(desk: SyntheticDesk) -> String {
        let file = Data((0..<75_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return """
            From: Ada <ada@example.org>\r
            To: support@rapport.example\r
            Subject: Screenshot attached\r
            Message-ID: <attachment.1@example.org>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            --outer\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            \(desk.newRequest(9).body)\r
            --outer\r
            Content-Type: image/png; name="screen.png"\r
            Content-Disposition: attachment; filename="screen.png"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(file)\r
            --outer--\r

            """
    }

    static func replyWithQuote(desk: SyntheticDesk) -> String {
        let earlier = desk.agentReply(4).split(separator: "\n").map { "> \($0)" }.joined(separator: "\n")
        return desk.newRequest(5).body + "\n\nOn Tue, 1 Dec 2026 at 09:30, Support <support@rapport.example> wrote:\n"
            + earlier
    }
}
