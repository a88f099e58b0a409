import Foundation

/// Slows down password guessing: after `maximumFailures` wrong passwords for one account within
/// `window`, that account refuses sign-in attempts for `lockout`, whatever the password.
///
/// Keys are whatever identifies the account (the normalized email). Memory stays bounded: old
/// entries are dropped as new ones arrive.
public struct SignInThrottle: Sendable {
    public let maximumFailures: Int
    public let window: TimeInterval
    public let lockout: TimeInterval
    public let maximumTrackedKeys: Int

    private var failures: [String: [Date]] = [:]
    private var locks: [String: Date] = [:]

    public init(
        maximumFailures: Int = 5, window: TimeInterval = 15 * 60, lockout: TimeInterval = 15 * 60,
        maximumTrackedKeys: Int = 10_000
    ) {
        self.maximumFailures = maximumFailures
        self.window = window
        self.lockout = lockout
        self.maximumTrackedKeys = maximumTrackedKeys
    }

    /// When the account can try again, if it is locked out now.
    public func lockedUntil(_ key: String, now: Date) -> Date? {
        guard let until = locks[key], until > now else { return nil }
        return until
    }

    /// Records a wrong password; returns the end of the lockout if this failure started one.
    @discardableResult
    public mutating func recordFailure(_ key: String, now: Date) -> Date? {
        if failures.count >= maximumTrackedKeys { prune(now: now) }
        var recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
        recent.append(now)
        if recent.count >= maximumFailures {
            failures[key] = nil
            let until = now.addingTimeInterval(lockout)
            locks[key] = until
            return until
        }
        failures[key] = recent
        return nil
    }

    /// A successful sign-in forgets earlier failures.
    public mutating func recordSuccess(_ key: String) {
        failures[key] = nil
        locks[key] = nil
    }

    private mutating func prune(now: Date) {
        failures = failures.filter { _, dates in dates.contains { now.timeIntervalSince($0) < window } }
        locks = locks.filter { $0.value > now }
        if failures.count >= maximumTrackedKeys {
            // Still full of fresh entries: forget the oldest half rather than grow without bound.
            let keep = failures.sorted { ($0.value.last ?? .distantPast) > ($1.value.last ?? .distantPast) }.prefix(
                maximumTrackedKeys / 2)
            failures = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
