import Foundation
import RapportCore
import Testing

/// Builds instants from wall times in a named zone, so expectations read like a calendar.
private func wall(_ zone: String, _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}

private func officeHours(_ zone: String, _ hours: String = "09:00-17:00", holidays: String = "") throws
    -> BusinessCalendar
{
    let weekday = try OpeningPeriod.parseList(hours)
    return try BusinessCalendar(
        timeZone: zone, week: [weekday, weekday, weekday, weekday, weekday, [], []],
        holidays: Holiday.parseList(holidays))
}

private func everyDay(_ zone: String, _ hours: String) throws -> BusinessCalendar {
    let periods = try OpeningPeriod.parseList(hours)
    return try BusinessCalendar(timeZone: zone, week: Array(repeating: periods, count: 7), holidays: [])
}

private let hour: TimeInterval = 3600

@Suite("Business-hours calendar")
struct BusinessCalendarTests {
    @Test("A target that runs past Friday's close continues on Monday morning")
    func spansWeekend() throws {
        let berlin = try officeHours("Europe/Berlin")
        // Friday 4 December 2026, 15:00; four working hours left two on Friday.
        let due = berlin.adding(businessSeconds: 4 * hour, to: wall("Europe/Berlin", 2026, 12, 4, 15))
        #expect(due == wall("Europe/Berlin", 2026, 12, 7, 11))
        #expect(berlin.businessSeconds(from: wall("Europe/Berlin", 2026, 12, 4, 15), to: due) == 4 * hour)
    }

    @Test("Time that starts while closed starts counting at the next opening")
    func startsWhenClosed() throws {
        let berlin = try officeHours("Europe/Berlin")
        let saturdayNight = wall("Europe/Berlin", 2026, 12, 5, 23, 30)
        #expect(berlin.adding(businessSeconds: 30 * 60, to: saturdayNight) == wall("Europe/Berlin", 2026, 12, 7, 9, 30))
        #expect(berlin.nextOpening(atOrAfter: saturdayNight) == wall("Europe/Berlin", 2026, 12, 7, 9))
        #expect(!berlin.isOpen(at: saturdayNight))
        #expect(berlin.isOpen(at: wall("Europe/Berlin", 2026, 12, 7, 9)))
        #expect(!berlin.isOpen(at: wall("Europe/Berlin", 2026, 12, 7, 17)))
    }

    @Test("Holidays are skipped: Christmas and Boxing Day push a Thursday-afternoon target to Monday")
    func holidays() throws {
        let london = try officeHours(
            "Europe/London", holidays: "2026-12-25 Christmas Day\n\n2026-12-28 Boxing Day (substitute)")
        let due = london.adding(businessSeconds: 3 * hour, to: wall("Europe/London", 2026, 12, 24, 15))
        #expect(due == wall("Europe/London", 2026, 12, 29, 10))
        #expect(london.holidays.map(\.name) == ["Christmas Day", "Boxing Day (substitute)"])
        #expect(london.openIntervals(on: LocalDay("2026-12-25")!).isEmpty)
    }

    @Test(
        "A day is as long as the clocks make it: 23 hours in spring, 25 in autumn",
        arguments: [
            ("Europe/Berlin", (2026, 3, 29), (2026, 10, 25)),
            ("America/New_York", (2026, 3, 8), (2026, 11, 1)),
        ])
    func dstDayLength(zone: String, spring: (Int, Int, Int), autumn: (Int, Int, Int)) throws {
        let allDay = try everyDay(zone, "00:00-24:00")
        let springDay = allDay.openIntervals(on: LocalDay(year: spring.0, month: spring.1, day: spring.2))
        let autumnDay = allDay.openIntervals(on: LocalDay(year: autumn.0, month: autumn.1, day: autumn.2))
        #expect(springDay.map(\.duration) == [23 * hour])
        #expect(autumnDay.map(\.duration) == [25 * hour])
        // Noon to noon across the change.
        let before = wall(zone, spring.0, spring.1, spring.2 - 1, 12)
        let after = wall(zone, spring.0, spring.1, spring.2, 12)
        #expect(allDay.businessSeconds(from: before, to: after) == 23 * hour)
        #expect(allDay.adding(businessSeconds: 24 * hour, to: before) == wall(zone, spring.0, spring.1, spring.2, 13))
    }

    @Test("Office hours keep their wall times across a DST weekend", arguments: ["Europe/Berlin", "America/New_York"])
    func officeHoursAcrossDST(zone: String) throws {
        let office = try officeHours(zone)
        // The Friday before each zone's spring change (27 March 2026 in Berlin, 6 March in New York).
        let friday = zone == "Europe/Berlin" ? (2026, 3, 27) : (2026, 3, 6)
        let start = wall(zone, friday.0, friday.1, friday.2, 16)
        let due = office.adding(businessSeconds: 2 * hour, to: start)
        #expect(due == wall(zone, friday.0, friday.1, friday.2 + 3, 10))
        // 66 hours on the wall clock, but only 65 pass: the skipped hour never happened.
        #expect(due.timeIntervalSince(start) == 65 * hour)
    }

    @Test("An opening period across the skipped hour has only the hours that exist")
    func periodAcrossSkippedHour() throws {
        let night = try everyDay("Europe/Berlin", "01:00-04:00")
        #expect(night.openIntervals(on: LocalDay("2026-03-29")!).map(\.duration) == [2 * hour])
        #expect(night.openIntervals(on: LocalDay("2026-10-25")!).map(\.duration) == [4 * hour])
        #expect(night.openIntervals(on: LocalDay("2026-03-30")!).map(\.duration) == [3 * hour])
    }

    @Test("A night shift across midnight counts straight through")
    func midnight() throws {
        let nights = try everyDay("America/New_York", "00:00-02:00, 22:00-24:00")
        let due = nights.adding(businessSeconds: 2 * hour, to: wall("America/New_York", 2026, 6, 10, 23))
        #expect(due == wall("America/New_York", 2026, 6, 11, 1))
    }

    @Test("Bad calendars are refused with a reason")
    func validation() throws {
        #expect(throws: BusinessCalendarError.self) { try OpeningPeriod.parseList("17:00-09:00") }
        #expect(throws: BusinessCalendarError.self) { try OpeningPeriod.parseList("09:00-12:00, 11:00-13:00") }
        #expect(throws: BusinessCalendarError.self) { try OpeningPeriod.parseList("9am-5pm") }
        #expect(throws: BusinessCalendarError.unknownTimeZone("Mars/Olympus")) {
            try BusinessCalendar(timeZone: "Mars/Olympus", week: Array(repeating: [], count: 7), holidays: [])
        }
        #expect(throws: BusinessCalendarError.neverOpen) {
            try BusinessCalendar(timeZone: "UTC", week: Array(repeating: [], count: 7), holidays: [])
        }
        #expect(throws: BusinessCalendarError.self) { try Holiday.parseList("2026-02-30 no such day") }
        #expect(try OpeningPeriod.parseList("closed").isEmpty)
        #expect(try OpeningPeriod.parseList("9-12 13:30-17").map(\.description) == ["09:00-12:00", "13:30-17:00"])
    }

    @Test(
        "Adding then measuring gives back what was added, and adding in two steps equals adding once",
        arguments: [
            "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
        ])
    func arithmeticProperties(zone: String) throws {
        let calendars = [
            try officeHours(zone, "08:30-12:00, 13:00-17:45", holidays: "2026-04-03\n2026-12-25"),
            try everyDay(zone, "00:00-24:00"), try everyDay(zone, "01:00-03:30"),
        ]
        var random = SeededRandom(seed: 42)
        let yearStart = wall(zone, 2026, 1, 1, 0)
        for calendar in calendars {
            for _ in 0..<150 {
                let start = yearStart.addingTimeInterval(Double(random.next(below: 365 * 24 * 60)) * 60)
                let first = Double(random.next(below: 40 * 60)) * 60
                let second = Double(random.next(below: 40 * 60)) * 60
                let end = calendar.adding(businessSeconds: first, to: start)
                #expect(
                    abs(calendar.businessSeconds(from: start, to: end) - first) < 0.001,
                    "\(zone) from \(start) adding \(first)")
                let once = calendar.adding(businessSeconds: first + second, to: start)
                let twice = calendar.adding(businessSeconds: second, to: end)
                #expect(once == twice, "\(zone) from \(start): \(first) + \(second)")
                if first > 0 { #expect(calendar.isOpen(at: end.addingTimeInterval(-1))) }
                #expect(end >= start)
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing case can be replayed.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func nextValue() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below bound: Int) -> Int { Int(nextValue() % UInt64(bound)) }
}
