import Foundation
import RapportCore

/// Everything the server needs to know at start-up, gathered in one place so the CLI, tests and
/// benchmarks configure Rapport the same way.
public struct RapportSettings: Sendable {
    /// Where the SQLite file and the attachment store live.
    public var dataDirectory: URL
    /// A `postgres://` URL; when set, PostgreSQL is used instead of the SQLite file.
    public var databaseURL: String?
    /// The largest attachment accepted, in bytes.
    public var attachmentMaximumBytes: Int
    /// bcrypt work factor for agent passwords. Lower it only in tests.
    public var passwordHashCost: Int
    /// The time source for every timestamp Rapport writes.
    public var clock: any WallClock
    /// Whether to run pending migrations during `configure`.
    public var migrateOnStart: Bool

    public static let defaultAttachmentMaximumBytes = 20 * 1024 * 1024

    public init(
        dataDirectory: URL,
        databaseURL: String? = nil,
        attachmentMaximumBytes: Int = defaultAttachmentMaximumBytes,
        passwordHashCost: Int = 12,
        clock: any WallClock = SystemWallClock(),
        migrateOnStart: Bool = true
    ) {
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.attachmentMaximumBytes = attachmentMaximumBytes
        self.passwordHashCost = passwordHashCost
        self.clock = clock
        self.migrateOnStart = migrateOnStart
    }

    /// The default data directory, `./rapport-data`, relative to where Rapport is started.
    public static var defaultDataDirectory: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("rapport-data")
    }

    public var sqliteFile: URL { dataDirectory.appendingPathComponent("rapport.sqlite") }
    public var attachmentDirectory: URL { dataDirectory.appendingPathComponent("attachments") }

    /// Whether the configured database is PostgreSQL (by its URL) rather than the SQLite file.
    public var usesPostgres: Bool {
        guard let url = databaseURL, !url.isEmpty else { return false }
        return url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }
}
