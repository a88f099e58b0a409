import Foundation
import RapportCore
import Vapor

extension Request {
    /// A positive integer path parameter; anything else means the thing does not exist (404).
    func idParameter(_ name: String, naming what: String) throws -> Int {
        let raw = parameters.get(name) ?? ""
        guard let id = Int(raw), id > 0 else { throw RapportError.notFound("\(what) '\(raw.prefix(40))'") }
        return id
    }

    /// A query-string value, or `nil` when absent or empty. NUL characters are dropped: no
    /// database stores them in text and PostgreSQL rejects them outright.
    func queryString(_ name: String) -> String? {
        guard let raw = query[String.self, at: name] else { return nil }
        let value = raw.replacingOccurrences(of: "\0", with: "").trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }

    func queryInt(_ name: String, into problems: inout FieldErrors) -> Int? {
        guard let raw = queryString(name) else { return nil }
        guard let value = Int(raw), value > 0 else {
            problems.add(name, "must be a positive whole number")
            return nil
        }
        return value
    }

    /// The page size from `?limit=`, clamped to the maximum.
    func pageLimit(into problems: inout FieldErrors) -> Int {
        guard let raw = queryString("limit") else { return PageSize.default }
        guard let value = Int(raw), let limit = PageSize.clamp(value) else {
            problems.add("limit", "must be a whole number from 1 to \(PageSize.maximum)")
            return PageSize.default
        }
        return limit
    }

    func pageCursor(into problems: inout FieldErrors) -> PageCursor? {
        guard let raw = queryString("cursor") else { return nil }
        guard let cursor = PageCursor(encoded: raw) else {
            problems.add(
                "cursor", "is not a cursor this server issued; pass next_cursor from the previous page unchanged")
            return nil
        }
        return cursor
    }

    /// Decodes the JSON body, answering 415 for other media types and 400 for broken JSON.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.type == "application", contentType.subType == "json"
        else {
            throw RapportError(
                .unsupportedMediaType, code: "unsupported_media_type",
                reason: "Send the body as JSON with 'Content-Type: application/json'.")
        }
        guard let body = body.data, body.readableBytes > 0 else {
            throw RapportError.badRequest("The request needs a JSON body.", code: "invalid_json")
        }
        let bytes = Data(body.readableBytesView)
        if Self.containsEscapedNUL(bytes) {
            throw RapportError.invalid(
                ["body": "text must not contain NUL (\\u0000) characters"],
                reason: "Text fields must not contain NUL characters.")
        }
        return try RapportJSON.decoder().decode(T.self, from: bytes)
    }

    /// Whether JSON text holds the escape `\u0000` (and not merely an escaped backslash followed
    /// by "u0000"). A raw NUL byte is invalid JSON and fails decoding anyway.
    static func containsEscapedNUL(_ json: Data) -> Bool {
        let pattern = Array("u0000".utf8)
        var backslashes = 0
        var index = json.startIndex
        while index < json.endIndex {
            let byte = json[index]
            if byte == UInt8(ascii: "\\") {
                backslashes += 1
            } else {
                if backslashes % 2 == 1, byte == UInt8(ascii: "u"), json.endIndex - index >= 5,
                    json[index..<(index + 5)].elementsEqual(pattern)
                {
                    return true
                }
                backslashes = 0
            }
            index += 1
        }
        return false
    }
}

/// Reads a string as one of an enum's values, reporting the allowed ones when it is not.
func parseChoice<T: RawRepresentable & CaseIterable>(
    _ raw: String?, _ type: T.Type, field: String, into problems: inout FieldErrors
) -> T? where T.RawValue == String {
    guard let raw else { return nil }
    guard let value = T(rawValue: raw.lowercased()) else {
        problems.add(field, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        return nil
    }
    return value
}

/// A comma-separated list of enum values from a query parameter (`?status=open,pending`).
func parseChoices<T: RawRepresentable & CaseIterable>(
    _ raw: String?, _ type: T.Type, field: String, into problems: inout FieldErrors
) -> [T] where T.RawValue == String {
    guard let raw else { return [] }
    return raw.split(separator: ",").compactMap {
        parseChoice(String($0).trimmingCharacters(in: .whitespaces), type, field: field, into: &problems)
    }
}

/// A JSON field that distinguishes "absent" from "null": `{"assignee_id": null}` unassigns,
/// leaving it out changes nothing.
extension KeyedDecodingContainer {
    func decodeUpdate<T: Decodable & Sendable & Equatable>(_ type: T.Type, forKey key: Key) throws -> FieldUpdate<T> {
        guard contains(key) else { return .unchanged }
        if try decodeNil(forKey: key) { return .set(nil) }
        return .set(try decode(T.self, forKey: key))
    }
}

/// A coding key for hand-written `init(from:)` of API inputs (whose keys arrive already
/// converted from snake_case).
struct InputKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
