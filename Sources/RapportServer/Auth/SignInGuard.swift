import Foundation
import RapportCore

/// The process-wide sign-in throttle, shared by every request.
actor SignInGuard {
    private var throttle = SignInThrottle()
    private let clock: any WallClock

    init(clock: any WallClock) { self.clock = clock }

    func lockedUntil(_ email: String) -> Date? {
        throttle.lockedUntil(Self.key(email), now: clock.now())
    }

    func recordFailure(_ email: String) {
        throttle.recordFailure(Self.key(email), now: clock.now())
    }

    func recordSuccess(_ email: String) {
        throttle.recordSuccess(Self.key(email))
    }

    private static func key(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
