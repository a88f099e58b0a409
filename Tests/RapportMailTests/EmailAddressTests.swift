import RapportMail
import Testing

@Suite("Email addresses")
struct EmailAddressTests {
    @Test(
        "real mailboxes are accepted and their domain lowercased",
        arguments: [
            ("Ada@Example.COM", "Ada@example.com"),
            (" o'neill+desk@mail.example.org ", "o'neill+desk@mail.example.org"),
            ("zoë@example.com", "zoë@example.com"), ("a.b-c_d@sub-domain.example", "a.b-c_d@sub-domain.example"),
        ])
    func accepts(raw: String, stored: String) throws {
        #expect(try EmailAddress(raw).value == stored)
    }

    @Test(
        "broken addresses are rejected with a reason",
        arguments: [
            ("", EmailAddress.Invalid.empty), ("ada", .missingAt), ("ada@@example.com", .missingAt),
            ("@example.com", .badLocalPart),
            ("ada lovelace@example.com", .badLocalPart), ("ada..x@example.com", .badLocalPart),
            ("ada@localhost", .badDomain),
            ("ada@-bad.example", .badDomain), ("ada@exa mple.com", .badDomain),
        ])
    func rejects(raw: String, expected: EmailAddress.Invalid) {
        #expect(throws: expected) { try EmailAddress(raw) }
    }

    @Test("two spellings of one mailbox compare equal when normalized")
    func normalized() throws {
        #expect(try EmailAddress("Ada@Example.com").normalized == EmailAddress("ada@example.COM").normalized)
    }
}

@Suite("Ticket subject tag")
struct TicketSubjectTagTests {
    @Test("the tag is added once")
    func tagging() {
        #expect(TicketSubjectTag.tagged("Where is my order?", number: 1234) == "Where is my order? [#1234]")
        #expect(
            TicketSubjectTag.tagged("Re: Where is my order? [#1234]", number: 1234) == "Re: Where is my order? [#1234]")
    }

    @Test(
        "the number is found in replies",
        arguments: [
            ("Re: Where is my order? [#1234]", 1234), ("AW: [#7] Rechnung", 7), ("[#abc] then [#42]", 42),
        ])
    func finds(subject: String, number: Int) {
        #expect(TicketSubjectTag.number(in: subject) == number)
    }

    @Test("no tag, no number", arguments: ["Order 1234", "[#]", "[#0]", "[#12", "#12]"])
    func none(subject: String) {
        #expect(TicketSubjectTag.number(in: subject) == nil)
    }
}
