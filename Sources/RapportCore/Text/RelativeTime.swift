import Foundation

/// Short, human durations for lists: "just now", "12 min", "3 h", "5 d".
public enum RelativeTime {
    /// A compact duration: under a minute is "now", then minutes, hours (with minutes below ten
    /// hours), days, and weeks.
    public static func duration(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        let minutes = total / 60
        let hours = minutes / 60
        let days = hours / 24
        switch total {
        case ..<60: return "now"
        case ..<3600: return "\(minutes) min"
        case ..<36_000: return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min"
        case ..<172_800: return "\(hours) h"
        case ..<1_209_600: return "\(days) d"
        default: return "\(days / 7) wk"
        }
    }

    /// "5 min ago", "just now", "3 d ago".
    public static func ago(_ date: Date, now: Date) -> String {
        let text = duration(now.timeIntervalSince(date))
        return text == "now" ? "just now" : "\(text) ago"
    }
}
