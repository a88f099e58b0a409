import Foundation

/// A date on a wall calendar, without a time or a time zone: "2026-12-25".
public struct LocalDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else or a day that does not exist.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = TimeZone(identifier: "UTC")!
        guard let date = gregorian.date(from: DateComponents(year: year, month: month, day: day)),
            gregorian.component(.day, from: date) == day
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (lhs: LocalDay, rhs: LocalDay) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = LocalDay(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date (YYYY-MM-DD)"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One opening period within a day, in minutes after local midnight: 09:00-17:30 is 540..<1050.
/// An end of 1440 means "until midnight".
public struct OpeningPeriod: Hashable, Sendable, Codable, CustomStringConvertible {
    public let startMinute: Int
    public let endMinute: Int

    public init(startMinute: Int, endMinute: Int) throws(BusinessCalendarError) {
        guard (0..<1440).contains(startMinute), (1...1440).contains(endMinute), startMinute < endMinute else {
            throw .invalidPeriod("an opening period must start before it ends, between 00:00 and 24:00")
        }
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    public var description: String { "\(Self.clock(startMinute))-\(Self.clock(endMinute))" }

    static func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }

    /// Parses "09:00-12:00, 13:00-17:30" (commas or spaces between periods). Empty text, "closed"
    /// or "-" is a closed day. Periods are sorted and must not overlap.
    public static func parseList(_ text: String) throws(BusinessCalendarError) -> [OpeningPeriod] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "-" || trimmed.lowercased() == "closed" { return [] }
        var periods: [OpeningPeriod] = []
        for piece in trimmed.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }) {
            let ends = piece.split(separator: "-")
            guard ends.count == 2, let start = minute(String(ends[0])), let end = minute(String(ends[1])) else {
                throw .invalidPeriod("'\(piece)' is not a period like 09:00-17:00")
            }
            periods.append(try OpeningPeriod(startMinute: start, endMinute: end))
        }
        periods.sort { $0.startMinute < $1.startMinute }
        for (earlier, later) in zip(periods, periods.dropFirst()) where later.startMinute < earlier.endMinute {
            throw .invalidPeriod("\(earlier) and \(later) overlap")
        }
        return periods
    }

    private static func minute(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard (1...2).contains(parts.count), let hour = Int(parts[0]), (0...24).contains(hour) else { return nil }
        let minute = parts.count == 2 ? Int(parts[1]) : 0
        guard let minute, (0..<60).contains(minute), hour < 24 || minute == 0 else { return nil }
        return hour * 60 + minute
    }
}

public enum BusinessCalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidPeriod(String)
    case unknownTimeZone(String)
    case neverOpen
    case invalidHoliday(String)

    public var description: String {
        switch self {
        case .invalidPeriod(let reason): reason
        case .unknownTimeZone(let name):
            "'\(name)' is not a time zone; use a name like Europe/Berlin or America/New_York"
        case .neverOpen: "a calendar must be open at least one period a week"
        case .invalidHoliday(let line):
            "'\(line)' is not a holiday: write one per line as YYYY-MM-DD, optionally followed by its name"
        }
    }
}

/// A day off on a calendar.
public struct Holiday: Hashable, Sendable, Codable {
    public let day: LocalDay
    public let name: String

    public init(day: LocalDay, name: String) {
        self.day = day
        self.name = name
    }

    /// Parses one holiday per line: `2026-12-25 Christmas Day`. Blank lines are skipped.
    public static func parseList(_ text: String) throws(BusinessCalendarError) -> [Holiday] {
        var holidays: [Holiday] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let date = trimmed.prefix { !$0.isWhitespace }
            guard let day = LocalDay(String(date)) else { throw .invalidHoliday(String(trimmed.prefix(60))) }
            holidays.append(Holiday(day: day, name: trimmed.dropFirst(date.count).trimmingCharacters(in: .whitespaces)))
        }
        return holidays.sorted { $0.day < $1.day }
    }
}

/// When a team works: weekly opening periods in one time zone, minus holidays.
///
/// All arithmetic walks the wall calendar of that time zone and turns each local opening period
/// into absolute instants, so a day that is 23 or 25 hours long (a DST change) counts the hours
/// it really has, and a period that names a time skipped by the change starts when the clocks
/// reach it.
public struct BusinessCalendar: Sendable, Hashable, Codable {
    public static let maximumHolidays = 2_000

    public let timeZoneIdentifier: String
    /// Opening periods for Monday (index 0) through Sunday (index 6).
    public let week: [[OpeningPeriod]]
    public let holidays: [Holiday]

    /// Open all day, every day, in UTC: elapsed time equals wall time.
    public static let alwaysOpen = try! BusinessCalendar(
        timeZone: "UTC", week: Array(repeating: [try! OpeningPeriod(startMinute: 0, endMinute: 1440)], count: 7),
        holidays: []
    )

    public init(timeZone: String, week: [[OpeningPeriod]], holidays: [Holiday]) throws(BusinessCalendarError) {
        guard TimeZone(identifier: timeZone) != nil else { throw .unknownTimeZone(timeZone) }
        guard week.count == 7, week.contains(where: { !$0.isEmpty }) else { throw .neverOpen }
        guard holidays.count <= Self.maximumHolidays else {
            throw .invalidHoliday("more than \(Self.maximumHolidays) holidays")
        }
        timeZoneIdentifier = timeZone
        self.week = week.map { $0.sorted { $0.startMinute < $1.startMinute } }
        self.holidays = holidays.sorted { $0.day < $1.day }
    }

    private var wallCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZoneIdentifier) ?? TimeZone(identifier: "UTC")!
        return calendar
    }

    private var holidaySet: Set<LocalDay> { Set(holidays.map(\.day)) }

    /// The local day an instant falls on in this calendar's time zone.
    public func localDay(of instant: Date) -> LocalDay {
        let parts = wallCalendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// The open intervals of one local day, as absolute instants.
    public func openIntervals(on day: LocalDay) -> [DateInterval] {
        openIntervals(on: day, calendar: wallCalendar, holidays: holidaySet)
    }

    private func openIntervals(on day: LocalDay, calendar: Calendar, holidays: Set<LocalDay>) -> [DateInterval] {
        guard !holidays.contains(day),
            let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
        else { return [] }
        // Calendar weekday: 1 = Sunday ... 7 = Saturday; the week here starts on Monday.
        let weekdayIndex = (calendar.component(.weekday, from: midnight) + 5) % 7
        return week[weekdayIndex].compactMap { period in
            let start = instant(day, minute: period.startMinute, calendar: calendar)
            let end = instant(day, minute: period.endMinute, calendar: calendar)
            return end > start ? DateInterval(start: start, end: end) : nil
        }
    }

    /// The instant a local wall time on `day` happens; 24:00 is the next midnight.
    private func instant(_ day: LocalDay, minute: Int, calendar: Calendar) -> Date {
        if minute >= 1440 {
            let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
            return calendar.date(byAdding: .day, value: 1, to: midnight)!
        }
        return calendar.date(
            from: DateComponents(year: day.year, month: day.month, day: day.day, hour: minute / 60, minute: minute % 60)
        )!
    }

    private func nextDay(_ day: LocalDay, calendar: Calendar) -> LocalDay {
        let noon = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
        let next = calendar.date(byAdding: .day, value: 1, to: noon)!
        let parts = calendar.dateComponents([.year, .month, .day], from: next)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    /// Calls `visit` with each open interval from the one containing `start` onwards, clipped to
    /// begin no earlier than `start`, until it returns false. Holidays are finite, so an open
    /// period always comes within a year after the last of them.
    private func forEachOpenInterval(from start: Date, _ visit: (DateInterval) -> Bool) {
        let calendar = wallCalendar
        let holidays = holidaySet
        var day = localDay(of: start)
        let lastHoliday = self.holidays.last?.day
        var emptyDays = 0
        while true {
            let intervals = openIntervals(on: day, calendar: calendar, holidays: holidays)
            for interval in intervals where interval.end > start {
                let clipped = DateInterval(start: max(interval.start, start), end: interval.end)
                if !visit(clipped) { return }
            }
            emptyDays = intervals.isEmpty ? emptyDays + 1 : 0
            if emptyDays > 14, lastHoliday.map({ day > $0 }) ?? true { return }  // unreachable for a valid calendar
            day = nextDay(day, calendar: calendar)
        }
    }

    /// Whether the team is working at this instant.
    public func isOpen(at instant: Date) -> Bool {
        openIntervals(on: localDay(of: instant)).contains { $0.start <= instant && instant < $0.end }
    }

    /// The instant `seconds` of working time after `start`. Zero seconds from a closed time is
    /// `start` itself: nothing is owed yet.
    public func adding(businessSeconds seconds: TimeInterval, to start: Date) -> Date {
        guard seconds > 0 else { return start }
        var left = seconds
        var result = start
        forEachOpenInterval(from: start) { interval in
            if interval.duration >= left {
                result = interval.start.addingTimeInterval(left)
                left = 0
                return false
            }
            left -= interval.duration
            result = interval.end
            return true
        }
        return result
    }

    /// Working time between two instants (zero if `end` is not after `start`).
    public func businessSeconds(from start: Date, to end: Date) -> TimeInterval {
        guard end > start else { return 0 }
        var total: TimeInterval = 0
        forEachOpenInterval(from: start) { interval in
            if interval.start >= end { return false }
            total += min(interval.end, end).timeIntervalSince(interval.start)
            return interval.end < end
        }
        return total
    }

    /// The first instant at or after `instant` when the team is working.
    public func nextOpening(atOrAfter instant: Date) -> Date {
        var result = instant
        forEachOpenInterval(from: instant) { interval in
            result = interval.start
            return false
        }
        return result
    }
}
