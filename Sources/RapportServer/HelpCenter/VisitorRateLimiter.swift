import Foundation
import RapportCore

/// Counts what anonymous visitors do (contact form, sign-in links, votes) per address and
/// action in a sliding window, in memory; enough to stop a script hammering one server.
actor VisitorRateLimiter {
    private let clock: any WallClock
    private var events: [String: [Date]] = [:]
    private let capacity = 20_000

    init(clock: any WallClock) { self.clock = clock }

    /// Records one attempt and says whether it is within `limit` per `window`.
    func allow(_ action: String, from visitor: String, limit: Int, per window: TimeInterval) -> Bool {
        let key = action + "|" + visitor
        let now = clock.now()
        var recent = (events[key] ?? []).filter { now.timeIntervalSince($0) < window }
        guard recent.count < limit else {
            events[key] = recent
            return false
        }
        recent.append(now)
        if events.count >= capacity { events.removeAll(keepingCapacity: true) }
        events[key] = recent
        return true
    }
}
