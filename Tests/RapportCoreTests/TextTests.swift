import Foundation
import RapportCore
import Testing

@Suite("Tags")
struct TagNameTests {
    @Test(
        "typed tags are lowercased and hyphenated",
        arguments: [
            ("Billing", "billing"), ("  VIP customer ", "vip-customer"), ("fw:4.2", "fw:4.2"), ("Zoë", "zoë"),
        ])
    func normalizes(raw: String, expected: String) {
        #expect(TagName.normalize(raw) == expected)
    }

    @Test("unusable tags are rejected", arguments: ["", "   ", "<script>", "a/b", String(repeating: "x", count: 51)])
    func rejects(raw: String) {
        #expect(TagName.normalize(raw) == nil)
    }

    @Test("a list keeps first-seen order without duplicates and reports the invalid ones")
    func list() {
        let (tags, invalid) = TagName.normalize(["Billing", "billing", "refund", "no way!"])
        #expect(tags == ["billing", "refund"])
        #expect(invalid == ["no way!"])
    }
}

@Suite("Search query")
struct SearchQueryTests {
    @Test("punctuation and operators never reach the engine")
    func sanitizes() {
        let query = SearchQuery("refund\" OR subject:* NEAR(\"x\") -- ;DROP")
        #expect(query.terms == ["refund", "or", "subject", "near", "x", "drop"])
        #expect(!query.fts5Expression.contains(":"))
        #expect(query.tsqueryExpression == "refund & or & subject & near & x & drop:*")
    }

    @Test("the last word matches as a prefix while it is being typed")
    func prefix() {
        #expect(SearchQuery("wifi conn").fts5Expression == "\"wifi\" \"conn\" *")
        #expect(SearchQuery("wifi conn ").fts5Expression == "\"wifi\" \"conn\"")
        #expect(SearchQuery("a").lastTermIsPrefix == false)
    }

    @Test("suggestions from free text match any meaningful word, not the common ones")
    func anyTerm() {
        let query = SearchQuery("Does the thermostat work with Home Assistant? Thanks").anyTerm
        #expect(query.terms == ["thermostat", "home", "assistant"])
        #expect(query.fts5MatchExpression == "\"thermostat\" OR \"home\" OR \"assistant\"")
        #expect(query.tsqueryMatchExpression == "thermostat | home | assistant")
        #expect(SearchQuery("reset pass").anyTerm.fts5MatchExpression == "\"reset\" OR \"pass\" *")
        #expect(SearchQuery("how do I").anyTerm.isEmpty)
        #expect(SearchQuery("reset password").fts5MatchExpression == SearchQuery("reset password").fts5Expression)
    }

    @Test("empty and symbol-only input is an empty query")
    func empty() {
        #expect(SearchQuery("").isEmpty)
        #expect(SearchQuery("?!* ()").isEmpty)
    }

    @Test("snippets are escaped before matches are marked")
    func snippet() {
        let marked = "<b>\(SnippetMarkup.startMarker)refund\(SnippetMarkup.endMarker)</b> & more"
        #expect(SnippetMarkup.html(fromMarked: marked) == "&lt;b&gt;<mark>refund</mark>&lt;/b&gt; &amp; more")
    }
}

@Suite("Page cursor")
struct PageCursorTests {
    @Test("a cursor survives the round trip exactly")
    func roundTrip() throws {
        let cursor = PageCursor(
            timestamp: Date(timeIntervalSince1970: 1_790_000_123.456789).roundedToMilliseconds, id: 4711)
        let decoded = try #require(PageCursor(encoded: cursor.encoded))
        #expect(decoded == cursor)
        #expect(decoded.timestamp.timeIntervalSince1970 == cursor.timestamp.timeIntervalSince1970)
        #expect(!cursor.encoded.contains("="))
    }

    @Test(
        "garbage is not a cursor", arguments: ["", "abc", "djE6eDox", "djE6MTow", String(repeating: "A", count: 200)])
    func rejects(text: String) {
        #expect(PageCursor(encoded: text) == nil)
    }

    @Test("millisecond rounding is stable", arguments: [0.0004, 0.1235, 123_456.789_4, 814_000_000.000_5])
    func rounding(offset: Double) {
        let date = Date(timeIntervalSinceReferenceDate: offset).roundedToMilliseconds
        #expect(date.roundedToMilliseconds == date)
        // The SQLite driver rounds what it reads to microseconds; a millisecond time survives that.
        let readBack = Date(timeIntervalSinceReferenceDate: (date.timeIntervalSinceReferenceDate * 1e6).rounded() / 1e6)
        #expect(readBack == date)
    }

    @Test("page sizes are clamped")
    func pageSize() {
        #expect(PageSize.clamp(nil) == PageSize.default)
        #expect(PageSize.clamp(10_000) == PageSize.maximum)
        #expect(PageSize.clamp(0) == nil)
    }
}

@Suite("Demo conversations")
struct DemoConversationTests {
    @Test("conversations match their status", arguments: TicketStatus.allCases)
    func matchStatus(status: TicketStatus) {
        var random = DemoRandom(seed: 7)
        for _ in 0..<50 {
            let conversation = DemoConversationWriter.write(
                status: status, customerFirstName: "Ada", agentFirstName: { _ in "Mira" }, random: &random)
            let publicMessages = conversation.messages.filter { $0.kind == .reply }
            #expect(publicMessages.first?.author == .customer)
            switch status {
            case .new: #expect(publicMessages.count == 1)
            case .pending: #expect(publicMessages.last?.author == .agent)
            case .open: #expect(publicMessages.last?.author == .customer && publicMessages.count >= 3)
            case .solved: #expect(publicMessages.last?.author == .agent && publicMessages.count >= 4)
            case .closed: #expect(publicMessages.count >= 4)
            }
            #expect(!conversation.messages.contains { $0.body.contains("{") })
            #expect(
                zip(conversation.messages, conversation.messages.dropFirst()).allSatisfy {
                    $0.hoursAfterStart <= $1.hoursAfterStart
                })
        }
    }

    @Test("the same seed writes the same workspace")
    func deterministic() {
        var a = DemoRandom(seed: 42)
        var b = DemoRandom(seed: 42)
        let first = DemoConversationWriter.write(
            status: .solved, customerFirstName: "Ada", agentFirstName: { _ in "Mira" }, random: &a)
        let second = DemoConversationWriter.write(
            status: .solved, customerFirstName: "Ada", agentFirstName: { _ in "Mira" }, random: &b)
        #expect(first == second)
    }
}

@Suite("Safe article HTML and slugs")
struct SafeHTMLTests {
    @Test(
        "formatting, safe links and images stay; script, handlers and other schemes go",
        arguments: [
            ("<p>Hi <strong>there</strong></p>", "<p>Hi <strong>there</strong></p>"),
            ("<script>alert(1)</script>", "&lt;script>alert(1)&lt;/script>"),
            ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"jav&#x61;script:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"\" onmouseover=\"alert(1\">x</a>", "<a>x</a>"),
            (
                "<a href=\"https://example.com/a?b=1&amp;c=2\">x</a>",
                "<a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener\">x</a>"
            ),
            ("<a href=\"/help/articles/x\">x</a>", "<a href=\"/help/articles/x\">x</a>"),
            ("<a href=\"//evil.example\">x</a>", "<a>x</a>"),
            ("<a href=\"java&#9;script:alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"&#106;avascript&colon;alert(1)\">x</a>", "<a>x</a>"),
            ("<a href=\"mailto:help@example.com\">mail</a>", "<a href=\"mailto:help@example.com\">mail</a>"),
            ("<img src=x onerror=alert(2)>", "<img src=\"x\" alt=\"\" loading=\"lazy\">"),
            ("<img src=\"data:text/html,hi\">", ""),
            ("<iframe src=\"https://evil.example\"></iframe>", "&lt;iframe src=\"https://evil.example\">&lt;/iframe>"),
            ("<p style=\"color:red\" class=\"x\">a</p>", "<p>a</p>"),
            ("a < b and <!-- note -->", "a &lt; b and &lt;!-- note -->"),
        ])
    func sanitizes(input: String, expected: String) {
        #expect(SafeHTML.sanitize(input) == expected)
    }

    @Test("slugs are lowercase words joined by hyphens, accents folded")
    func slugs() {
        #expect(Slug.make("How do I reset my password?") == "how-do-i-reset-my-password")
        #expect(Slug.make("  Café & Crème — Ärger  ") == "cafe-creme-arger")
        #expect(Slug.make("!!!") == "")
        #expect(Slug.make(String(repeating: "word ", count: 40)).count <= Slug.maximumLength)
        #expect(Slug.isValid("reset-password"))
        #expect(!Slug.isValid("Reset Password"))
    }
}

@Suite("Client addresses behind proxies")
struct ClientAddressTests {
    let loopback = IPAddressRange.loopback

    @Test("networks and addresses parse, and contain what they should")
    func ranges() throws {
        let lan = try #require(IPAddressRange("10.0.0.0/8"))
        #expect(lan.contains("10.200.3.4"))
        #expect(!lan.contains("11.0.0.1"))
        #expect(!lan.contains("fd00::1"))
        let v6 = try #require(IPAddressRange("fd00::/8"))
        #expect(v6.contains("fd12:3456::1"))
        #expect(IPAddressRange.loopback[0].contains("::ffff:127.0.0.1"), "IPv4-mapped addresses are IPv4")
        #expect(IPAddressRange.loopback[1].contains("::1"))
        #expect(IPAddressRange("10.0.0.0/33") == nil)
        #expect(IPAddressRange("evil.example") == nil)
        #expect(try IPAddressRange.list(parsing: "none").isEmpty)
        #expect(try IPAddressRange.list(parsing: "10.0.0.0/8, 192.0.2.7").count == 2)
        #expect(throws: RapportMessageError.self) { try IPAddressRange.list(parsing: "10.0.0.0/8, proxy.example") }
    }

    @Test("the header is believed only from a trusted proxy, and then only its last untrusted hop")
    func resolve() throws {
        // A client talking to Rapport directly cannot name itself.
        #expect(
            ClientAddress.resolve(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"], trusted: loopback) == "203.0.113.9")
        // Behind a proxy on loopback, the first value is whatever the client wrote.
        #expect(
            ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.7"], trusted: loopback)
                == "198.51.100.7")
        let proxies = loopback + [try #require(IPAddressRange("10.0.0.0/8"))]
        #expect(
            ClientAddress.resolve(
                peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "198.51.100.7, 10.0.0.2"], trusted: proxies)
                == "198.51.100.7", "several headers and several proxies")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["10.0.0.2"], trusted: proxies) == "10.0.0.2")
        #expect(
            ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["198.51.100.7, not-an-address"], trusted: loopback)
                == "127.0.0.1", "a hop no proxy could have written stops the walk at the proxy")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: [], trusted: loopback) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"], trusted: []) == "127.0.0.1")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["198.51.100.7"], trusted: loopback) == "unknown")
    }
}
