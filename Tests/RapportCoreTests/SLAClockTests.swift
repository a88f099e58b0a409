import Foundation
import RapportCore
import Testing

private func berlin(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
    return calendar.date(from: DateComponents(year: 2026, month: month, day: day, hour: hour, minute: minute))!
}

private let hour: TimeInterval = 3600

@Suite("SLA clocks")
struct SLAClockTests {
    let office: BusinessCalendar = {
        let day = try! OpeningPeriod.parseList("09:00-17:00")
        return try! BusinessCalendar(timeZone: "Europe/Berlin", week: [day, day, day, day, day, [], []], holidays: [])
    }()
    let targets = SLATargets(firstResponseMinutes: 4 * 60, nextResponseMinutes: 8 * 60, resolutionMinutes: 16 * 60)

    @Test("A paused clock keeps what it used and the deadline moves by the pause")
    func pauseAndResume() {
        // Monday 7 December 2026, 09:00, an eight-hour target.
        var clock = SLAClock.started(target: 8 * hour, at: berlin(12, 7, 9))
        #expect(clock.dueAt(on: office) == berlin(12, 7, 17))
        clock.pause(at: berlin(12, 7, 11), on: office)
        #expect(clock.isPaused)
        #expect(clock.used(at: berlin(12, 9, 12), on: office) == 2 * hour)
        #expect(clock.dueAt(on: office) == nil)
        clock.resume(at: berlin(12, 10, 9))
        #expect(clock.dueAt(on: office) == berlin(12, 10, 15))
        #expect(clock.remaining(at: berlin(12, 10, 16), on: office) == -hour)
        clock.stop(at: berlin(12, 10, 16), on: office)
        #expect(clock.wasMet == false)
        #expect(clock.used(at: berlin(12, 14, 9), on: office) == 9 * hour)
    }

    @Test(
        "Ticket events move the clocks: reply stops the response clock, pending pauses, a customer answer starts the next"
    )
    func ticketLifecycle() {
        var clocks = TicketSLAClocks()
        clocks.apply(.created(status: .new, byCustomer: true), at: berlin(12, 7, 9), targets: targets, calendar: office)
        #expect(clocks[.firstResponse]?.dueAt(on: office) == berlin(12, 7, 13))
        #expect(clocks[.nextResponse] == nil)
        #expect(clocks.nextDue(on: office) == berlin(12, 7, 13))

        clocks.apply(.agentReply(statusAfter: .pending), at: berlin(12, 7, 10), targets: targets, calendar: office)
        #expect(clocks[.firstResponse]?.wasMet == true)
        #expect(clocks[.resolution]?.isPaused == true)
        #expect(clocks.nextDue(on: office) == nil)

        // The customer answers on Wednesday: next response starts, resolution resumes with 1 h used.
        clocks.apply(.customerMessage(statusAfter: .open), at: berlin(12, 9, 9), targets: targets, calendar: office)
        #expect(clocks[.nextResponse]?.dueAt(on: office) == berlin(12, 9, 17))
        #expect(clocks[.resolution]?.dueAt(on: office) == berlin(12, 10, 16))
        // A second customer message does not restart the next-response clock.
        clocks.apply(.customerMessage(statusAfter: .open), at: berlin(12, 9, 12), targets: targets, calendar: office)
        #expect(clocks[.nextResponse]?.startedAt == berlin(12, 9, 9))

        clocks.apply(.agentReply(statusAfter: .solved), at: berlin(12, 9, 14), targets: targets, calendar: office)
        #expect(clocks[.nextResponse]?.wasMet == true)
        #expect(clocks[.resolution]?.wasMet == true)
        #expect(clocks[.resolution]?.used(at: berlin(12, 9, 14), on: office) == 6 * hour)

        // Reopened: resolution counts on from six hours.
        clocks.apply(.customerMessage(statusAfter: .open), at: berlin(12, 11, 9), targets: targets, calendar: office)
        #expect(clocks[.resolution]?.isRunning == true)
        #expect(clocks[.resolution]?.dueAt(on: office) == berlin(12, 14, 11))
    }

    @Test("A ticket an agent opens owes no first response; a priority change retargets the running clocks")
    func agentCreatedAndRetarget() {
        var clocks = TicketSLAClocks()
        clocks.apply(
            .created(status: .open, byCustomer: false), at: berlin(12, 7, 9), targets: targets, calendar: office)
        #expect(clocks[.firstResponse] == nil)
        #expect(clocks[.resolution] != nil)
        clocks.apply(
            .targetsChanged, at: berlin(12, 7, 10), targets: SLATargets(resolutionMinutes: 120), calendar: office)
        #expect(clocks[.resolution]?.dueAt(on: office) == berlin(12, 7, 11))
        clocks.apply(.targetsChanged, at: berlin(12, 7, 10), targets: SLATargets(), calendar: office)
        #expect(clocks[.resolution] == nil)
    }

    @Test("Escalation, delay notice and breach each fire once, however often the check runs")
    func alertsFireOnce() {
        let clock = SLAClock.started(target: 4 * hour, at: berlin(12, 7, 9))
        var marks = SLAAlertMarks()
        var fired: [SLAAlert: [Date]] = [:]
        // Check every five minutes for two days, in and out of hours.
        var now = berlin(12, 7, 9)
        while now < berlin(12, 9, 9) {
            for alert in SLAAlerts.due(
                for: .firstResponse, clock: clock, marks: &marks, escalationShare: 0.75, delayNoticeShare: 0.9, at: now,
                on: office)
            {
                fired[alert, default: []].append(now)
            }
            now.addTimeInterval(300)
        }
        #expect(fired[.escalation] == [berlin(12, 7, 12)])
        #expect(fired[.delayNotice] == [berlin(12, 7, 12, 40)])
        #expect(fired[.breach] == [berlin(12, 7, 13)])
        #expect(
            SLAAlerts.nextAlertMoment(
                for: .firstResponse, clock: clock, marks: marks, escalationShare: 0.75, delayNoticeShare: 0.9,
                on: office) == nil)
    }

    @Test("A paused clock raises nothing, and the next alert moment follows the calendar")
    func pausedRaisesNothing() {
        var clock = SLAClock.started(target: 4 * hour, at: berlin(12, 4, 15))
        var marks = SLAAlertMarks()
        #expect(
            SLAAlerts.nextAlertMoment(
                for: .resolution, clock: clock, marks: marks, escalationShare: 0.5, delayNoticeShare: 0.9, on: office)
                == berlin(12, 4, 17))
        clock.pause(at: berlin(12, 4, 16), on: office)
        #expect(
            SLAAlerts.due(
                for: .resolution, clock: clock, marks: &marks, escalationShare: 0.5, delayNoticeShare: nil,
                at: berlin(12, 9, 9), on: office
            ).isEmpty)
        #expect(SLAStanding.of(clock, escalationShare: 0.5, at: berlin(12, 9, 9), on: office) == .paused)
    }

    @Test("Policies apply in order and only where they cover the ticket")
    func policyMatching() {
        let vip = SLAPolicyRule(
            id: 2, position: 1, customerTier: "VIP", targets: [.high: SLATargets(firstResponseMinutes: 30)])
        let acme = SLAPolicyRule(
            id: 3, position: 2, organizationIDs: [7],
            targets: [.high: SLATargets(firstResponseMinutes: 60), .normal: SLATargets(firstResponseMinutes: 120)])
        let everyone = SLAPolicyRule(id: 1, position: 9, targets: [.normal: SLATargets(firstResponseMinutes: 480)])
        let policies = [everyone, acme, vip]
        #expect(
            SLAPolicyRule.matching(SLASubject(priority: .high, organizationID: 7, customerTier: "vip"), in: policies)?
                .id == 2)
        #expect(
            SLAPolicyRule.matching(SLASubject(priority: .high, organizationID: 7, customerTier: nil), in: policies)?.id
                == 3)
        #expect(
            SLAPolicyRule.matching(
                SLASubject(priority: .normal, organizationID: nil, customerTier: "vip"), in: policies)?.id == 1)
        #expect(
            SLAPolicyRule.matching(SLASubject(priority: .low, organizationID: 7, customerTier: nil), in: policies)
                == nil)
    }

    @Test("Durations read as people say them")
    func spoken() {
        #expect(TimeInterval(45 * 60).spokenDuration == "45 min")
        #expect(TimeInterval(2 * 3600 + 5 * 60).spokenDuration == "2 h 5 min")
        #expect(TimeInterval(-3 * 86400 - 4 * 3600).spokenDuration == "3 d 4 h")
    }
}

@Suite("Delay notices on promised times")
struct DelayNoticeFollowUpTests {
    let office: BusinessCalendar = {
        let day = try! OpeningPeriod.parseList("09:00-17:00")
        return try! BusinessCalendar(timeZone: "Europe/Berlin", week: [day, day, day, day, day, [], []], holidays: [])
    }()

    @Test("When the promised time is about to pass too, the customer hears again, at most three times")
    func followUps() {
        let clock = SLAClock.started(target: 4 * 3600, at: berlin(12, 7, 9))
        var marks = SLAAlertMarks()
        var notices: [Date] = []
        let promises = [berlin(12, 7, 17), berlin(12, 8, 13), berlin(12, 9, 11)]
        var now = berlin(12, 7, 9)
        while now < berlin(12, 11, 9) {
            let alerts = SLAAlerts.due(
                for: .nextResponse, clock: clock, marks: &marks, escalationShare: 0.75, delayNoticeShare: 0.9, at: now,
                on: office)
            if alerts.contains(.delayNotice) {
                notices.append(now)
                marks.promisedAt = promises[min(notices.count - 1, promises.count - 1)]
            }
            now.addTimeInterval(300)
        }
        // 90 % of four hours; then 24 minutes (the same lead) before each promised time.
        #expect(notices == [berlin(12, 7, 12, 40), berlin(12, 7, 16, 40), berlin(12, 8, 12, 40)])
        #expect(marks.delayNotices == SLAAlerts.maximumDelayNotices)
    }
}
