import Foundation

/// The source of "now" for everything that stamps or compares times, so tests can control it.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The real time.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until told to move; for tests.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) {
        lock.withLock { current = current.addingTimeInterval(seconds) }
    }

    public func set(_ date: Date) {
        lock.withLock { current = date }
    }
}

extension Date {
    /// This time on a whole millisecond, computed so that it survives a round trip through both
    /// databases unchanged. Every timestamp Rapport stores is rounded this way, which lets list
    /// cursors compare stored times for equality.
    public var roundedToMilliseconds: Date {
        Date(timeIntervalSinceReferenceDate: (timeIntervalSinceReferenceDate * 1_000).rounded() / 1_000)
    }
}

/// Wraps a clock so every time it gives is on a whole millisecond (see `roundedToMilliseconds`).
public struct MillisecondClock: WallClock {
    public let base: any WallClock
    public init(_ base: any WallClock) { self.base = base }
    public func now() -> Date { base.now().roundedToMilliseconds }
}
