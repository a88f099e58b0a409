import Foundation

/// A byte count as people read it: "812 B", "64 KB", "3.2 MB".
public enum FileSize {
    public static func text(_ bytes: Int) -> String {
        switch bytes {
        case ..<1024: "\(bytes) B"
        case ..<(1024 * 1024): "\(bytes / 1024) KB"
        default: Self.megabytes(bytes)
        }
    }

    /// Whole megabytes without a decimal when the value is round ("20 MB", "2.5 MB").
    static func megabytes(_ bytes: Int) -> String {
        let value = Double(bytes) / 1_048_576
        return value == value.rounded() ? "\(Int(value)) MB" : String(format: "%.1f MB", value)
    }
}
