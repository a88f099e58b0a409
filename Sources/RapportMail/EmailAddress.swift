import Foundation

/// A mailbox address (`local@domain`) as customers and agents are identified by.
///
/// This accepts the dot-atom form that real mailboxes use (RFC 5322 §3.4.1) and rejects the rest
/// with a reason; the full address-list grammar with display names, comments and groups belongs
/// to the message parser.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in its stored form: the domain lowercased, the local part as given.
    public let value: String

    public static let maximumLength = 254

    public enum Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        case empty, tooLong, missingAt, badLocalPart, badDomain

        public var description: String {
            switch self {
            case .empty: "is empty"
            case .tooLong: "is longer than \(EmailAddress.maximumLength) characters"
            case .missingAt: "needs exactly one @ between a name and a domain, like ada@example.com"
            case .badLocalPart: "has a part before @ that is empty or contains spaces or characters mail does not allow"
            case .badDomain: "has a domain that is not a valid host name, like example.com"
            }
        }
    }

    public init(_ raw: String) throws(Invalid) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .missingAt }
        let local = parts[0]
        let domain = parts[1].lowercased()
        guard Self.isDotAtom(local, allowed: Self.localCharacters), local.utf8.count <= 64 else { throw .badLocalPart }
        guard Self.isHostName(domain) else { throw .badDomain }
        value = "\(local)@\(domain)"
    }

    /// The form used to decide whether two addresses are the same mailbox: all lowercase.
    public var normalized: String { value.lowercased() }

    public var domain: Substring { value[value.index(after: value.firstIndex(of: "@")!)...] }

    public var description: String { value }

    private static let localCharacters: Set<Character> = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")

    private static func isDotAtom(_ text: Substring, allowed: Set<Character>) -> Bool {
        guard !text.isEmpty, text.first != ".", text.last != ".", !text.contains("..") else { return false }
        return text.allSatisfy {
            $0 == "." || allowed.contains($0) || ($0.unicodeScalars.first!.value > 127 && !$0.isWhitespace)
        }
    }

    private static func isHostName(_ domain: String) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        }
    }
}
