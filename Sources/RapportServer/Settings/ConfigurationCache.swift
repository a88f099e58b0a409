import FluentKit
import Foundation
import RapportCore
import SQLKit

/// The workspace's configuration that every ticket write needs — mail settings, SLA policies
/// and calendars, which automation triggers have rules, the agents and teams — held in memory.
///
/// Every admin change bumps a version stamp in the database (`changed(on:)`) and drops this
/// process's copy; other processes sharing the database look at the stamp at most once a second
/// and reload when it moved. So a write reads no settings rows, and a change made on one
/// instance is seen by the others within a second.
actor ConfigurationCache {
    struct Snapshot: Sendable {
        let version: Int
        let mail: MailSettings
        let sla: SLAService.Configuration
        /// The triggers that have at least one enabled rule.
        let triggers: Set<AutomationTrigger>
        let directory: StaffDirectory
    }

    /// How long a copy is used before the stamp is looked at again.
    static let recheckInterval: Duration = .seconds(1)

    private let clock = ContinuousClock()
    private var snapshot: Snapshot?
    private var checkedAt: ContinuousClock.Instant?

    func current(on db: any Database) async throws -> Snapshot {
        let now = clock.now
        if let snapshot, let checkedAt, now - checkedAt < Self.recheckInterval { return snapshot }
        let version = try await Self.version(on: db)
        if let snapshot, snapshot.version == version {
            checkedAt = now
            return snapshot
        }
        let fresh = try await Self.load(version: version, on: db)
        snapshot = fresh
        checkedAt = now
        return fresh
    }

    /// Records that the configuration changed: bumps the stamp (in the caller's transaction,
    /// when there is one) and forgets this process's copy.
    func changed(on db: any Database) async throws {
        try await db.sql.raw("UPDATE configuration_versions SET version = version + 1 WHERE id = 1").run()
        snapshot = nil
        checkedAt = nil
    }

    /// Forgets this process's copy without touching the stamp (after writes that bypass the
    /// services, such as seeding a demo desk).
    func forget() {
        snapshot = nil
        checkedAt = nil
    }

    private static func version(on db: any Database) async throws -> Int {
        try await db.sql.raw("SELECT version FROM configuration_versions WHERE id = 1").first()?.decode(
            column: "version", as: Int.self) ?? 0
    }

    private static func load(version: Int, on db: any Database) async throws -> Snapshot {
        let mail =
            try await WorkspaceSetting.decoded(MailSettings.self, key: MailSettingsStore.key, on: db) ?? MailSettings()
        let sla = try await SLAService.loadConfiguration(on: db)
        let triggers = try await AutomationRule.query(on: db).filter(\.$enabled == true).all(\.$trigger)
        return Snapshot(
            version: version, mail: mail, sla: sla, triggers: Set(triggers),
            directory: try await StaffDirectory.load(on: db))
    }
}

/// The one-row table of the configuration's version stamp.
struct CreateConfigurationVersions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("configuration_versions")
            .field("id", .int, .identifier(auto: false))
            .field("version", .int64, .required)
            .create()
        try await database.sql.raw("INSERT INTO configuration_versions (id, version) VALUES (1, 1)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("configuration_versions").delete()
    }
}
