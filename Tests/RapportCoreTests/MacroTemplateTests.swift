import Foundation
import RapportCore
import Testing

@Suite("Macro placeholders")
struct MacroTemplateTests {
    let values = [
        "customer.first_name": "Ana", "customer.name": "Ana María López", "agent.first_name": "Sam",
        "ticket.number": "1234", "organization.name": "",
    ]

    @Test("known placeholders are filled in, with or without spaces and in any case")
    func fillsPlaceholders() {
        let text = MacroTemplate("Hi {{customer.first_name}}, about #{{ ticket.number }}: {{Agent.First_Name}} here.")
            .render(values)
        #expect(text == "Hi Ana, about #1234: Sam here.")
    }

    @Test("a placeholder without a value becomes empty; unknown ones stay as written")
    func missingAndUnknown() {
        #expect(MacroTemplate("From {{organization.name}}.").render(values) == "From .")
        #expect(
            MacroTemplate("Keep {{customer.shoe_size}} as is").render(values) == "Keep {{customer.shoe_size}} as is")
        #expect(
            MacroTemplate("{{customer.shoe_size}} and {{agent.nickname}} and {{customer.shoe_size}}")
                .unknownPlaceholders == ["customer.shoe_size", "agent.nickname"])
        #expect(MacroTemplate("Hi {{customer.first_name}}").unknownPlaceholders.isEmpty)
    }

    @Test(
        "braces that are not a placeholder are left alone",
        arguments: [
            "Use {braces} freely", "Open {{ and never close", "{{\nnot one\n}}", "JSON like {\"a\": {\"b\": 1}}",
            "}} before {{",
        ])
    func plainBraces(text: String) {
        #expect(MacroTemplate(text).render(values) == text)
    }

    @Test("a value is inserted literally, never read as another placeholder")
    func noDoubleExpansion() {
        let sneaky = ["customer.first_name": "{{agent.first_name}}", "agent.first_name": "Sam"]
        #expect(MacroTemplate("Hi {{customer.first_name}}").render(sneaky) == "Hi {{agent.first_name}}")
    }

    @Test("first names", arguments: [("Ana María López", "Ana"), ("  Pat ", "Pat"), ("Prince", "Prince"), ("", "")])
    func firstNames(full: String, first: String) {
        #expect(full.firstName == first)
    }
}

@Suite("Relative times")
struct RelativeTimeTests {
    static let durationCases: [(seconds: Double, text: String)] = [
        (0, "now"), (59, "now"), (60, "1 min"), (3540, "59 min"), (3600, "1 h"), (5100, "1 h 25 min"),
        (36_000, "10 h"), (169_200, "47 h"), (172_800, "2 d"), (1_123_200, "13 d"), (1_296_000, "2 wk"), (-5, "now"),
    ]

    @Test("durations read the way a list shows them", arguments: durationCases)
    func durations(example: (seconds: Double, text: String)) {
        #expect(RelativeTime.duration(example.seconds) == example.text)
    }

    @Test func ago() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RelativeTime.ago(now.addingTimeInterval(-30), now: now) == "just now")
        #expect(RelativeTime.ago(now.addingTimeInterval(-7200), now: now) == "2 h ago")
    }
}
