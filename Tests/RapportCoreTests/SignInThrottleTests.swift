import Foundation
import RapportCore
import Testing

@Suite("Sign-in throttle")
struct SignInThrottleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("five wrong passwords within the window lock the account for the lockout time")
    func locks() {
        var throttle = SignInThrottle(maximumFailures: 5, window: 900, lockout: 900)
        for minute in 0..<4 {
            #expect(
                throttle.recordFailure("ada@example.com", now: start.addingTimeInterval(Double(minute) * 60)) == nil)
        }
        #expect(throttle.lockedUntil("ada@example.com", now: start.addingTimeInterval(240)) == nil)
        let until = throttle.recordFailure("ada@example.com", now: start.addingTimeInterval(240))
        #expect(until == start.addingTimeInterval(240 + 900))
        #expect(throttle.lockedUntil("ada@example.com", now: start.addingTimeInterval(300)) == until)
        #expect(throttle.lockedUntil("other@example.com", now: start.addingTimeInterval(300)) == nil)
        #expect(throttle.lockedUntil("ada@example.com", now: start.addingTimeInterval(240 + 901)) == nil)
    }

    @Test("failures spread beyond the window do not add up")
    func window() {
        var throttle = SignInThrottle(maximumFailures: 3, window: 60, lockout: 600)
        for index in 0..<10 {
            #expect(throttle.recordFailure("ada", now: start.addingTimeInterval(Double(index) * 31)) == nil)
        }
    }

    @Test("a successful sign-in forgets earlier failures")
    func success() {
        var throttle = SignInThrottle(maximumFailures: 2, window: 600, lockout: 600)
        throttle.recordFailure("ada", now: start)
        throttle.recordSuccess("ada")
        #expect(throttle.recordFailure("ada", now: start.addingTimeInterval(1)) == nil)
    }

    @Test("memory stays bounded under many different accounts")
    func bounded() {
        var throttle = SignInThrottle(maximumFailures: 5, window: 600, lockout: 600, maximumTrackedKeys: 100)
        for index in 0..<1_000 { throttle.recordFailure("user\(index)", now: start) }
        for index in 0..<5 { throttle.recordFailure("latest", now: start.addingTimeInterval(Double(index + 1))) }
        #expect(
            throttle.lockedUntil("latest", now: start.addingTimeInterval(6)) != nil,
            "the throttle still works after evicting old entries")
    }
}
