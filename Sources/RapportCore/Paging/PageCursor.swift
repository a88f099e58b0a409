import Foundation

/// An opaque position in a list sorted by a timestamp and then by id, both descending.
///
/// Clients receive it as `next_cursor` and send it back unchanged; its text form is
/// base64url so it travels in a query string without escaping.
public struct PageCursor: Sendable, Equatable {
    /// The sort timestamp of the last row on the previous page.
    public let timestamp: Date
    /// The id of that row, which breaks ties between equal timestamps.
    public let id: Int

    /// In a list sorted by a time that some rows lack (an SLA deadline), those rows come last,
    /// by id; a cursor among them has no time.
    public let isAmongUntimed: Bool

    public init(timestamp: Date, id: Int) {
        self.timestamp = timestamp
        self.id = id
        isAmongUntimed = false
    }

    /// A position among the rows without a sort time, after the row with `id`.
    public init(untimedAfter id: Int) {
        timestamp = Date(timeIntervalSinceReferenceDate: 0)
        self.id = id
        isAmongUntimed = true
    }

    public var encoded: String {
        // Stored times are on whole milliseconds since the reference date (see
        // `Date.roundedToMilliseconds`), so this integer gives back the exact stored value.
        let milliseconds = Int64((timestamp.timeIntervalSinceReferenceDate * 1_000).rounded())
        let raw = isAmongUntimed ? "v1:-:\(id)" : "v1:\(milliseconds):\(id)"
        return Data(raw.utf8).base64URLEncodedString()
    }

    /// Reads a cursor a client sent back; `nil` if it was not made by `encoded`.
    public init?(encoded text: String) {
        guard text.count <= 100 else { return nil }
        guard let data = Data(base64URLEncoded: text), let raw = String(data: data, encoding: .utf8) else { return nil }
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let id = Int(parts[2]), id > 0 else { return nil }
        if parts[1] == "-" {
            self.init(untimedAfter: id)
            return
        }
        guard let milliseconds = Int64(parts[1]) else { return nil }
        self.init(timestamp: Date(timeIntervalSinceReferenceDate: Double(milliseconds) / 1_000), id: id)
    }
}

/// A limit a client asked for, clamped to what the server allows.
public enum PageSize {
    public static let `default` = 50
    public static let maximum = 200

    /// `nil` when the request is not a usable number (zero, negative).
    public static func clamp(_ requested: Int?) -> Int? {
        guard let requested else { return Self.default }
        guard requested > 0 else { return nil }
        return min(requested, maximum)
    }
}
