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
    /// Marks session cookies `Secure` even when a request does not look like HTTPS (for TLS
    /// terminated by a proxy that does not send `X-Forwarded-Proto`).
    public var secureCookies: Bool
    /// Where `Resources/Views` (templates) and `Public` (CSS, JavaScript) are found.
    public var resourcesDirectory: URL
    /// How an upset or urgent customer message raises the ticket's priority.
    public var moodPriority: MoodPriorityRule
    /// The background jobs: sending mail, polling mailboxes, SLA checks, time-based rules.
    public var background: BackgroundSettings
    /// Where customers reach this server, for links in email (`https://help.example.com`).
    public var publicURL: String
    /// Where attachments are stored when not in the data directory: a folder every instance
    /// sharing the database mounts (`RAPPORT_ATTACHMENTS_DIR`).
    public var sharedAttachmentDirectory: URL?
    /// Peers whose `X-Forwarded-For` is believed (`RAPPORT_TRUSTED_PROXIES`); loopback by default,
    /// the usual place of a proxy in front of Rapport.
    public var trustedProxies: [IPAddressRange] = IPAddressRange.loopback
    /// A connection that sends and receives nothing for this long is closed
    /// (`RAPPORT_IDLE_TIMEOUT`, in seconds): an idle keep-alive connection, or a client that
    /// stopped halfway through its request. Live connections are pinged well within it. The
    /// count also runs while the server works on an answer, so it is well above any request's
    /// time on a busy machine (a browser resends a request whose connection closed unanswered);
    /// nginx keeps idle connections as long by default.
    public var idleConnectionTimeout: Duration = .seconds(75)

    public static let defaultAttachmentMaximumBytes = 20 * 1024 * 1024

    public init(
        dataDirectory: URL,
        databaseURL: String? = nil,
        attachmentMaximumBytes: Int = defaultAttachmentMaximumBytes,
        passwordHashCost: Int = 12,
        clock: any WallClock = SystemWallClock(),
        migrateOnStart: Bool = true,
        secureCookies: Bool = false,
        resourcesDirectory: URL = RapportSettings.defaultResourcesDirectory,
        moodPriority: MoodPriorityRule = MoodPriorityRule(),
        background: BackgroundSettings = BackgroundSettings(),
        publicURL: String = "http://127.0.0.1:8080"
    ) {
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.attachmentMaximumBytes = attachmentMaximumBytes
        self.passwordHashCost = passwordHashCost
        self.clock = clock
        self.migrateOnStart = migrateOnStart
        self.secureCookies = secureCookies
        self.resourcesDirectory = resourcesDirectory
        self.moodPriority = moodPriority
        self.background = background
        self.publicURL = publicURL
    }

    /// The folder holding `Resources/` and `Public/`: `RAPPORT_RESOURCES` when set, else the
    /// current directory when it has them, else the source checkout this binary was built from.
    public static var defaultResourcesDirectory: URL {
        let fileManager = FileManager.default
        if let configured = ProcessInfo.processInfo.environment["RAPPORT_RESOURCES"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        let current = URL(fileURLWithPath: fileManager.currentDirectoryPath, isDirectory: true)
        if fileManager.fileExists(atPath: current.appendingPathComponent("Resources/Views").path) { return current }
        // Sources/RapportServer/Settings/RapportSettings.swift → the package root.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    public var viewsDirectory: URL { resourcesDirectory.appendingPathComponent("Resources/Views", isDirectory: true) }
    public var publicDirectory: URL { resourcesDirectory.appendingPathComponent("Public", isDirectory: true) }

    /// The default data directory, `./rapport-data`, relative to where Rapport is started.
    public static var defaultDataDirectory: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("rapport-data")
    }

    public var sqliteFile: URL { dataDirectory.appendingPathComponent("rapport.sqlite") }
    public var attachmentDirectory: URL {
        sharedAttachmentDirectory ?? dataDirectory.appendingPathComponent("attachments")
    }

    /// Whether the configured database is PostgreSQL (by its URL) rather than the SQLite file.
    public var usesPostgres: Bool {
        guard let url = databaseURL, !url.isEmpty else { return false }
        return url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }
}
