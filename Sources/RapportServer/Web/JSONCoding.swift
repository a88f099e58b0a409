import Foundation
import Vapor

/// The JSON conventions of the API: snake_case keys, ISO 8601 dates.
enum RapportJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in SwiftKey(swiftName(forSnakeCase: path.last!.stringValue)) }
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be an ISO 8601 date-time like 2026-03-01T09:30:00Z")
            }
            return date
        }
        return decoder
    }

    /// `assignee_id` → `assigneeID`, `original_html` → `originalHTML`: the inverse of
    /// `.convertToSnakeCase` for Swift names that spell acronyms in capitals.
    static func swiftName(forSnakeCase key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return key }
        return parts.dropFirst().reduce(String(first)) { name, part in
            let word = String(part)
            return name + (acronyms.contains(word) ? word.uppercased() : word.prefix(1).uppercased() + word.dropFirst())
        }
    }

    /// `assigneeID` → `assignee_id`, for naming fields in error messages the way clients send them.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        var previousWasUpper = false
        for character in name {
            if character.isUppercase {
                if !result.isEmpty && !previousWasUpper { result += "_" }
                result += character.lowercased()
                previousWasUpper = true
            } else {
                result.append(character)
                previousWasUpper = false
            }
        }
        return result
    }

    private static let acronyms: Set<String> = ["id", "url", "html"]

    static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ISO8601DateFormatter().date(from: text) ?? withFraction.date(from: text)
    }

    private struct SwiftKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
