import Foundation

/// The `[#1234]` tag Rapport puts in the subject of every message about a ticket, so a reply
/// finds its ticket even when the mail client drops the threading headers.
public enum TicketSubjectTag {
    public static func tag(for number: Int) -> String { "[#\(number)]" }

    /// The subject with the tag appended, unless it already carries it.
    public static func tagged(_ subject: String, number: Int) -> String {
        let tag = tag(for: number)
        return subject.contains(tag) ? subject : "\(subject) \(tag)"
    }

    /// The subject without any `[#N]` tag: a new ticket made from a message that names another
    /// ticket (a stranger's, or a closed one) gets a tag of its own, not two.
    public static func removingTags(from subject: String) -> String {
        var result = ""
        var rest = Substring(subject)
        while let open = rest.range(of: "[#") {
            let after = rest[open.upperBound...]
            let digits = after.prefix(while: \.isASCIIDigitCharacter)
            if !digits.isEmpty, digits.count <= 12, after.dropFirst(digits.count).first == "]" {
                result += rest[..<open.lowerBound]
                rest = after.dropFirst(digits.count + 1)
            } else {
                result += rest[..<open.upperBound]
                rest = after
            }
        }
        result += rest
        return result.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// The ticket number in the first `[#N]` tag of a subject, if any.
    public static func number(in subject: String) -> Int? {
        var rest = Substring(subject)
        while let open = rest.range(of: "[#") {
            let after = rest[open.upperBound...]
            let digits = after.prefix(while: \.isASCIIDigitCharacter)
            if !digits.isEmpty, digits.count <= 12, after.dropFirst(digits.count).first == "]",
                let number = Int(digits), number > 0
            {
                return number
            }
            rest = after
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
