import Foundation

/// A Date header value: the instant and the writer's UTC offset, parsed from RFC 5322 §3.3 dates
/// and their obsolete forms (two-digit years, named zones, missing seconds or day names, and
/// the odd punctuation real mailers add).
public struct MailDate: Sendable, Equatable {
    public let date: Date
    /// Seconds east of UTC as written; nil when the zone was missing or unknown ("-0000").
    public let utcOffset: Int?

    /// ISO 8601 with the writer's offset, e.g. `1994-10-07T16:15:05-07:00`.
    public var iso8601: String {
        let offset = utcOffset ?? 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: offset) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let sign = offset < 0 ? "-" : "+"
        let zone =
            offset == 0 && utcOffset != nil
            ? "Z" : String(format: "%@%02d:%02d", sign, abs(offset) / 3600, abs(offset) % 3600 / 60)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!,
            parts.second!) + (utcOffset == nil ? "Z" : zone)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let dayNames: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    private static let namedZones: [String: Int] = [
        "ut": 0, "utc": 0, "gmt": 0, "z": 0, "edt": -4, "est": -5, "cdt": -5, "cst": -6, "mdt": -6, "mst": -7,
        "pdt": -7, "pst": -8,
        "bst": 1, "cet": 1, "cest": 2, "met": 1, "mest": 2, "eet": 2, "eest": 3, "jst": 9, "ist": 5,
    ]

    public static func parse(_ raw: String?) -> MailDate? {
        guard let raw else { return nil }
        // Comments such as "(PDT)" are dropped; commas and stray dots separate words.
        var text = ""
        var depth = 0
        for character in raw {
            if character == "(" {
                depth += 1
                continue
            }
            if character == ")" {
                depth = max(0, depth - 1)
                continue
            }
            if depth == 0 { text.append(character == "," ? " " : character) }
        }
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }).map {
            String($0)
        }
        if let first = words.first, dayNames.contains(String(first.lowercased().prefix(3))) {
            words.removeFirst()
        }
        // ISO-like "2006-10-01 12:00:00" or "2006-10-01T12:00:00Z".
        if let first = words.first, first.count >= 10, first.filter({ $0 == "-" }).count == 2,
            first.first?.isNumber == true
        {
            let pieces = first.split(separator: "T", maxSplits: 1).map(String.init)
            words = [pieces[0]] + (pieces.count > 1 ? [pieces[1]] : []) + words.dropFirst()
            let dateParts = words[0].split(separator: "-").compactMap { Int($0) }
            guard dateParts.count == 3 else { return nil }
            return build(year: dateParts[0], month: dateParts[1], day: dateParts[2], rest: Array(words.dropFirst()))
        }
        var day: Int?
        var month: Int?
        var year: Int?
        var rest: [String] = []
        for word in words {
            let lower = word.lowercased()
            if month == nil, let index = months.firstIndex(where: { lower.hasPrefix($0) }), word.first?.isLetter == true
            {
                month = index + 1
            } else if day == nil, let number = Int(word.trimmingCharacters(in: CharacterSet(charactersIn: "."))),
                number >= 1, number <= 31, year == nil
            {
                day = number
            } else if year == nil, month != nil || day != nil,
                let number = Int(word.trimmingCharacters(in: CharacterSet(charactersIn: "."))), word.count >= 2,
                !word.contains(":")
            {
                year = number
            } else if day != nil || month != nil {
                rest.append(word)
            }
        }
        guard let day, let month, var year else { return nil }
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        return build(year: year, month: month, day: day, rest: rest)
    }

    private static func build(year: Int, month: Int, day: Int, rest: [String]) -> MailDate? {
        var hour = 0
        var minute = 0
        var second = 0
        var offset: Int?
        var sawTime = false
        for word in rest {
            if !sawTime, word.contains(":") {
                var timeWord = Substring(word)
                var zoneSuffix: Substring?
                if let zoneStart = timeWord.firstIndex(where: { $0 == "+" || $0 == "-" || $0 == "Z" }) {
                    zoneSuffix = timeWord[zoneStart...]
                    timeWord = timeWord[..<zoneStart]
                }
                let pieces = timeWord.split(separator: ":").map { Int($0.prefix(while: \.isNumber)) }
                guard pieces.count >= 2, let h = pieces[0], let m = pieces[1] else { return nil }
                hour = h
                minute = m
                second = pieces.count > 2 ? (pieces[2] ?? 0) : 0
                sawTime = true
                if let zoneSuffix { offset = zoneOffset(String(zoneSuffix)) ?? offset }
            } else if offset == nil, let zone = zoneOffset(word) {
                offset = zone
            }
        }
        guard (1...12).contains(month), (1...31).contains(day), (0...24).contains(hour), (0...59).contains(minute),
            (0...60).contains(second)
        else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = min(second, 59)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let utc = calendar.date(from: components) else { return nil }
        let known = offset == Int.min ? nil : offset
        return MailDate(date: utc.addingTimeInterval(-Double(known ?? 0)), utcOffset: known)
    }

    /// Seconds east of UTC for "+0200", "-07:00", "GMT", "PST"; Int.min for "-0000" (unknown).
    private static func zoneOffset(_ word: String) -> Int? {
        if word == "-0000" { return Int.min }
        if let sign = word.first, sign == "+" || sign == "-" {
            let digits = word.dropFirst().filter(\.isNumber)
            guard digits.count == 4 || digits.count == 2, let value = Int(digits) else { return nil }
            let hours = digits.count == 4 ? value / 100 : value
            let minutes = digits.count == 4 ? value % 100 : 0
            guard hours <= 23, minutes <= 59 else { return nil }
            return (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        if word == "Z" { return 0 }
        return namedZones[word.lowercased()].map { $0 * 3600 }
    }
}
