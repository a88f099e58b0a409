import Testing

@testable import RapportMail

@Suite("Sender authentication (Authentication-Results)")
struct SenderAuthenticationTests {
    private func read(_ value: String) -> SenderAuthentication? { SenderAuthentication(headerValue: value) }

    @Test("DMARC decides when it is there; without it, SPF failing with no DKIM pass is a failure")
    func verdicts() throws {
        let spoofed = try #require(
            read(
                "mx.google.com; dkim=none; spf=fail (google.com: domain of ada@example.org does not designate 203.0.113.9 as permitted sender) smtp.mailfrom=ada@example.org; dmarc=fail (p=REJECT sp=REJECT dis=REJECT) header.from=example.org"
            ))
        #expect(spoofed.failed)
        #expect(spoofed.checkedBy == "mx.google.com")
        #expect(spoofed.summary == "SPF fail, DKIM none, DMARC fail, checked by mx.google.com")

        // Forwarded mail: SPF breaks, the signature and so DMARC survive.
        #expect(
            read("mx.example.net; spf=fail smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass")?
                .failed == false)
        #expect(
            read("mx.example.net; spf=fail smtp.mailfrom=example.org; dkim=pass header.d=example.org")?.failed == false)
        #expect(read("mx.example.net; spf=fail smtp.mailfrom=example.org; dkim=fail")?.failed == true)
        #expect(
            read("mx.example.net; spf=softfail smtp.mailfrom=example.org")?.failed == false, "a soft fail is not proof")
        #expect(read("mx.example.net; spf=temperror; dmarc=temperror")?.failed == false)
        #expect(read("mx.example.net; spf=none; dkim=none; dmarc=none")?.failed == false)
        // Microsoft writes "dmarc=fail action=none"; a version number may follow the server's name.
        #expect(
            read(
                "spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=example.org; dkim=none (message not signed) header.d=none;dmarc=fail action=none header.from=example.org;compauth=fail reason=000"
            )?.failed == true)
        #expect(read("mx.example.net 1; dmarc=fail header.from=example.org")?.checkedBy == "mx.example.net")
    }

    @Test("only the topmost header counts, and one with nothing to say is no verdict")
    func topmostOnly() {
        let headers = MailHeaders([
            MailHeader(name: "Authentication-Results", value: "mx.desk.example; dmarc=fail header.from=example.org"),
            MailHeader(name: "Authentication-Results", value: "forged.example; dmarc=pass header.from=example.org"),
        ])
        #expect(SenderAuthentication(headers)?.failed == true)
        #expect(SenderAuthentication(MailHeaders()) == nil)
        #expect(read("mx.desk.example; none") == nil)
        #expect(read("mx.desk.example; auth=pass smtp.auth=ada") == nil)
        #expect(read("") == nil)
        #expect(read("(a comment; dmarc=fail) mx.desk.example; spf=pass")?.failed == false)
    }
}
