import Foundation
import RapportMail
import Testing

/// The copied corpora of other projects' test messages (see Fixtures/mail-corpus/README.md for
/// their origin and licences).
enum MailCorpus {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/mail-corpus")
    static let stalwart = root.appendingPathComponent("stalwart-mail-parser/resources/eml")
    static let flanker = root.appendingPathComponent("flanker/tests/fixtures/messages")

    static func files(under folder: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        return walker.compactMap { $0 as? URL }.filter { url in
            (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                && !["json", "txt", "md", "wav", "png"].contains(url.pathExtension)
                && url.lastPathComponent != "COPYING"
        }.sorted { $0.path < $1.path }
    }
}

@Suite("Mail corpora")
struct MailCorpusTests {
    @Test("every message of both corpora parses without a crash and yields a report")
    func everyMessageParses() throws {
        let files = MailCorpus.files(under: MailCorpus.root)
        #expect(files.count > 250)
        for file in files {
            let data = try Data(contentsOf: file)
            let report = MailParseReport(ParsedEmail(data))
            _ = try report.json(pretty: false)
        }
    }

    /// Where the two parsers read a field differently on purpose. Each entry: file → reason.
    static let knownStalwartDifferences: [String: String] = [
        "legacy/010.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "legacy/017.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "legacy/020.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "legacy/022.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "legacy/027.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "legacy/052.eml":
            "raw 8-bit header bytes that are not UTF-8: Rapport reads them as Windows-1252 (Müller), Stalwart replaces them (M\u{FFFD}ller)",
        "malformed/019.eml":
            "the first Date field is cut off ('10:00:t'); Rapport reads it as 10:00:00, Stalwart takes 10:00:01 from a later field",
    ]

    @Test("Stalwart's expected parses agree with ours on subject, addresses, date and Message-ID")
    func stalwartAgreement() throws {
        var mismatches: [String] = []
        var compared = 0
        for file in MailCorpus.files(under: MailCorpus.stalwart) where file.pathExtension == "eml" {
            let expectedURL = file.deletingPathExtension().appendingPathExtension("json")
            guard let expectedData = try? Data(contentsOf: expectedURL),
                let expected = try JSONSerialization.jsonObject(with: expectedData) as? [String: Any],
                let parts = expected["parts"] as? [[String: Any]],
                let headers = parts.first?["headers"] as? [[String: Any]]
            else { continue }
            let relative = file.path.replacingOccurrences(of: MailCorpus.stalwart.path + "/", with: "")
            let ours = ParsedEmail(try Data(contentsOf: file))
            compared += 1
            for header in headers {
                guard let name = header["name"] as? String, let value = header["value"] as? [String: Any] else {
                    continue
                }
                let difference: String?
                switch name {
                case "subject":
                    difference = Self.compare(value["Text"] as? String, ours.subject.map { $0 })
                case "from", "to", "reply_to":
                    let theirs = Self.addresses(value)
                    let mine = (name == "from" ? ours.from : name == "to" ? ours.to : ours.replyTo).map {
                        "\($0.name ?? "")|\($0.address)"
                    }
                    difference = theirs == nil || theirs == mine ? nil : "\(theirs!) vs \(mine)"
                case "message_id":
                    difference = Self.compare(value["Text"] as? String, ours.messageID)
                case "date":
                    guard let parts = value["DateTime"] as? [String: Any] else { continue }
                    difference = Self.compare(Self.isoDate(parts), ours.date.map { Self.utcISO($0.date) })
                default: continue
                }
                if let difference, Self.knownStalwartDifferences[relative] == nil {
                    mismatches.append("\(relative) \(name): \(difference)")
                }
            }
        }
        #expect(compared > 70)
        #expect(
            mismatches.isEmpty,
            Comment(rawValue: "\(mismatches.count) differences:\n" + mismatches.joined(separator: "\n")))
    }

    @Test(
        "bounces in the corpora are recognised with the failing address and status",
        arguments: [
            ("broken-mime.eml", "info@example.net", "5.0.0"),
            ("delayed.eml", "foo@example.com", "4.0.0"),  // "Action: failed" after five days of retries
            ("delayed-broken.eml", "demo@example.com", "4.2.2"),
            ("gmail-invalid-address.eml", "awfawfawfawfawfaw@someserverhere.com", "5.1.0"),
            ("gmail-no-dns.eml", "user@example.comm", "5.0.0"),
            ("mailbox-full.eml", "user@aol.com", "5.2.2"),
            ("office365.eml", "noname@example.com", "5.1.10"),
            ("zed.eml", "asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com", "5.1.1"),
        ])
    func flankerBounces(file: String, address: String, status: String) throws {
        let message = ParsedEmail(try Data(contentsOf: MailCorpus.flanker.appendingPathComponent("bounce/\(file)")))
        let classification = MailClassification.classify(message)
        let bounce = try #require(classification.bounce, "\(file) was not read as a bounce")
        #expect(bounce.failedRecipients == [address])
        #expect(bounce.status == status)
        #expect(classification.suppressesAutomaticReplies)
    }

    @Test("a delay report in the corpus is not a bounce, and still gets no automatic answer")
    func flankerDelay() throws {
        let message = ParsedEmail(try Data(contentsOf: MailCorpus.flanker.appendingPathComponent("bounce/no-mx.eml")))
        let classification = MailClassification.classify(message)
        #expect(classification.bounce == nil)
        #expect(classification.autoReply)
    }

    static func compare(_ theirs: String?, _ mine: String?) -> String? {
        guard let theirs else { return nil }
        return theirs == mine ? nil : "'\(theirs)' vs '\(mine ?? "nil")'"
    }

    static func addresses(_ value: [String: Any]) -> [String]? {
        guard let address = value["Address"] as? [String: Any] else { return nil }
        var entries: [[String: Any]] = address["List"] as? [[String: Any]] ?? []
        for group in address["Group"] as? [[String: Any]] ?? [] {
            entries += group["addresses"] as? [[String: Any]] ?? []
        }
        return entries.compactMap { entry in
            guard let mailbox = entry["address"] as? String else { return nil }
            return "\(entry["name"] as? String ?? "")|\(mailbox)"
        }
    }

    static func isoDate(_ parts: [String: Any]) -> String? {
        guard let year = parts["year"] as? Int, let month = parts["month"] as? Int, let day = parts["day"] as? Int,
            let hour = parts["hour"] as? Int, let minute = parts["minute"] as? Int, let second = parts["second"] as? Int
        else { return nil }
        let sign = (parts["tz_before_gmt"] as? Bool ?? false) ? 1 : -1
        let offset = sign * ((parts["tz_hour"] as? Int ?? 0) * 3600 + (parts["tz_minute"] as? Int ?? 0) * 60)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard
            let local = calendar.date(
                from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
        else { return nil }
        return utcISO(local.addingTimeInterval(Double(offset)))
    }

    static func utcISO(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
