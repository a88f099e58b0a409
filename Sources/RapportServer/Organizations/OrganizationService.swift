import FluentKit
import Foundation
import RapportCore
import Vapor

/// Creating and changing organizations (the companies customers belong to).
struct OrganizationService: Sendable {
    let clock: any WallClock

    /// Who may add or change organizations, on the web and over the API alike: admins, because an
    /// organization's email domain decides which customers join it, and so what its managers see.
    static func mayChange(_ agent: AuthenticatedAgent) -> Bool { agent.isAdmin }

    static func requireMayChange(_ agent: AuthenticatedAgent) throws {
        guard mayChange(agent) else {
            throw RapportError(
                .forbidden, code: "forbidden",
                reason: "Only admins add or change organizations: the email domain decides which customers join one.")
        }
    }

    func create(name raw: String, domain: String?, notes: String, on database: any Database) async throws -> Int {
        let name = try Self.validate(name: raw, domain: domain, notes: notes)
        try await Self.ensureNameUnused(name, except: nil, on: database)
        let organization = Organization(name: name, domain: Self.cleanDomain(domain), notes: notes, now: clock.now())
        try await organization.create(on: database)
        return try organization.requireID
    }

    func update(
        organizationID: Int, name raw: String?, domain: FieldUpdate<String>, notes: String?, on database: any Database
    ) async throws {
        guard let organization = try await Organization.find(organizationID, on: database) else {
            throw RapportError.notFound("Organization \(organizationID)")
        }
        let domainValue: String? = if case .set(let value) = domain { value } else { nil }
        let name = try Self.validate(name: raw ?? organization.name, domain: domainValue, notes: notes ?? "")
        try await Self.ensureNameUnused(name, except: organizationID, on: database)
        organization.name = name
        if case .set(let value) = domain { organization.domain = Self.cleanDomain(value) }
        if let notes { organization.notes = notes }
        organization.updatedAt = clock.now()
        try await organization.update(on: database)
    }

    private static func cleanDomain(_ domain: String?) -> String? {
        guard let trimmed = domain?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !trimmed.isEmpty
        else { return nil }
        return trimmed
    }

    private static func validate(name raw: String, domain: String?, notes: String) throws -> String {
        var problems = FieldErrors()
        let name = problems.requiredText(raw, field: "name", maximumLength: 200)
        if let domain = cleanDomain(domain),
            domain.count > 253 || !domain.contains(".")
                || domain.contains(where: { $0.isWhitespace || $0 == "@" || $0 == "/" })
        {
            problems.add("domain", "must be a domain like example.com")
        }
        if notes.count > 20_000 { problems.add("notes", "must be at most 20000 characters") }
        try problems.throwIfAny()
        return name
    }

    private static func ensureNameUnused(_ name: String, except id: Int?, on database: any Database) async throws {
        if let other = try await Organization.query(on: database).filter(\.$name == name).first(), other.id != id {
            throw RapportError.conflict(
                "An organization named '\(name)' already exists.",
                fields: ["name": "is already used by organization \(other.id ?? 0)"])
        }
    }
}
