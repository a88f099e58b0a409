#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The number of files (and so connections) the process may hold open.
///
/// Every connection takes a file descriptor, and so do the database, attachments and mail;
/// when they run out, the server stops accepting and parts of the runtime fail hard. The soft
/// limit most systems start a process with (1,024) is far below the hard one an unprivileged
/// process may raise it to, so a server raises it at start, as it would be told to in a unit
/// file (`LimitNOFILE=`).
public enum OpenFileLimit {
    public struct Limits: Sendable, Equatable {
        /// What the process may open now.
        public let current: Int
        /// What it may raise `current` to without privileges.
        public let maximum: Int
    }

    public static func read() -> Limits {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Limits(current: 0, maximum: 0) }
        return Limits(current: count(limit.rlim_cur), maximum: count(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one and returns the limits now in force.
    @discardableResult
    public static func raiseToMaximum() -> Limits {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return read() }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            // Refused on systems that cap it lower than the hard limit says (macOS); keep what is there.
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return read()
    }

    /// Unlimited (`RLIM_INFINITY`, all bits set) reads as `Int.max`.
    private static func count(_ value: rlim_t) -> Int {
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }
}
