import Foundation

/// What the receiving mail server found when it checked the sender (RFC 8601
/// `Authentication-Results`): SPF, DKIM and DMARC.
///
/// Only the topmost header is read: the receiving server adds its own above whatever the message
/// arrived with, and one a sender wrote into the message can only claim a pass, which leaves
/// the message treated as it would be without any header.
public struct SenderAuthentication: Sendable, Equatable {
    /// The server that did the checks (the header's authserv-id).
    public var checkedBy: String
    /// Method name (`spf`, `dkim`, `dmarc`) to its results, in the order given (DKIM may have
    /// several signatures).
    public var results: [String: [String]]

    public init(checkedBy: String, results: [String: [String]]) {
        self.checkedBy = checkedBy
        self.results = results
    }

    /// The topmost `Authentication-Results` header of `headers`, or nil when there is none or it
    /// says nothing about SPF, DKIM or DMARC.
    public init?(_ headers: MailHeaders) {
        guard let value = headers.first("Authentication-Results") else { return nil }
        self.init(headerValue: value)
    }

    public init?(headerValue value: String) {
        let parts = Self.withoutComments(value).split(separator: ";", omittingEmptySubsequences: false)
        guard let first = parts.first else { return nil }
        checkedBy = first.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        var results: [String: [String]] = [:]
        for part in parts.dropFirst() {
            // "spf=fail smtp.mailfrom=example.org" or "dmarc=fail (p=reject) header.from=example.org"
            guard let method = part.split(whereSeparator: \.isWhitespace).first,
                let equals = method.firstIndex(of: "=")
            else { continue }
            let name = method[..<equals].lowercased()
            let result = method[method.index(after: equals)...].lowercased()
            guard ["spf", "dkim", "dmarc"].contains(name), !result.isEmpty else { continue }
            results[name, default: []].append(result)
        }
        guard !results.isEmpty else { return nil }
        self.results = results
    }

    /// True when the checks say the sender is not who the message says: DMARC failed, or,
    /// where no DMARC result is given, SPF failed and no DKIM signature passed. A soft fail, a
    /// missing check or a temporary error is not a failure.
    public var failed: Bool {
        if let dmarc = results["dmarc"] { return dmarc.contains("fail") && !dmarc.contains("pass") }
        let dkimPassed = results["dkim"]?.contains("pass") ?? false
        return (results["spf"]?.contains("fail") ?? false) && !dkimPassed
    }

    /// "SPF fail, DKIM none, DMARC fail, checked by mx.example.net", for notes and logs.
    public var summary: String {
        let checks = ["spf", "dkim", "dmarc"].compactMap { name in
            results[name].map { "\(name.uppercased()) \($0.joined(separator: "/"))" }
        }
        return checks.joined(separator: ", ") + (checkedBy.isEmpty ? "" : ", checked by \(checkedBy)")
    }

    /// Drops RFC 5322 comments ("(p=reject dis=none)"), which may hold semicolons and equals signs.
    private static func withoutComments(_ value: String) -> String {
        var depth = 0
        var escaped = false
        var kept = ""
        kept.reserveCapacity(value.utf8.count)
        for character in value {
            if escaped {
                escaped = false
                if depth == 0 { kept.append(character) }
                continue
            }
            switch character {
            case "\\": escaped = true
            case "(": depth += 1
            case ")" where depth > 0: depth -= 1
            default: if depth == 0 { kept.append(character) }
            }
        }
        return kept
    }
}
