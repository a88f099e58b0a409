import FluentKit
import Foundation
import RapportCore
import RapportMail
import SQLKit

struct NewCustomer: Sendable {
    var name: String
    var emails: [String]
    var phone: String?
    var locale: String?
    var timeZone: String?
    var notes: String = ""
    var organizationID: Int?
}

struct CustomerUpdate: Sendable {
    var name: String?
    /// Replaces the addresses when given; the first becomes the primary one.
    var emails: [String]?
    var phone: FieldUpdate<String> = .unchanged
    var locale: FieldUpdate<String> = .unchanged
    var timeZone: FieldUpdate<String> = .unchanged
    var notes: String?
    var organizationID: FieldUpdate<Int> = .unchanged
    /// The service tier; SLA policies that name it apply from the ticket's next change.
    var tier: FieldUpdate<String> = .unchanged
    /// Whether they see all of their organization's requests in the portal.
    var isOrgManager: Bool?
}

/// Creating and changing customers, and finding them by address.
struct CustomerService: Sendable {
    let clock: any WallClock

    static let maximumEmails = 10

    func create(_ input: NewCustomer, on database: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 200)
        let emails = Self.validEmails(input.emails, required: true, into: &problems)
        Self.validateOptional(phone: input.phone, locale: input.locale, timeZone: input.timeZone, notes: input.notes, into: &problems)
        try problems.throwIfAny()
        try await Self.validateOrganization(input.organizationID, on: database)

        return try await database.writeTransaction { db in
            try await Self.ensureUnused(emails, except: nil, on: db)
            let now = clock.now()
            let customer = Customer()
            customer.isOrgManager = false
            customer.name = name
            customer.phone = input.phone.flatMap(Self.nonEmpty)
            customer.locale = input.locale.flatMap(Self.nonEmpty)
            customer.timeZone = input.timeZone.flatMap(Self.nonEmpty)
            customer.notes = input.notes
            customer.organizationID = input.organizationID
            customer.createdAt = now
            customer.updatedAt = now
            try await customer.create(on: db)
            let id = try customer.requireID
            for (index, email) in emails.enumerated() {
                try await CustomerEmail(customerID: id, address: email.value, normalized: email.normalized, isPrimary: index == 0, now: now).create(on: db)
            }
            return id
        }
    }

    func update(customerID: Int, with changes: CustomerUpdate, on database: any Database) async throws {
        var problems = FieldErrors()
        let name = changes.name.map { problems.requiredText($0, field: "name", maximumLength: 200) }
        let emails = changes.emails.map { Self.validEmails($0, required: true, into: &problems) }
        func value(_ update: FieldUpdate<String>) -> String? { if case let .set(v) = update { v } else { nil } }
        Self.validateOptional(phone: value(changes.phone), locale: value(changes.locale), timeZone: value(changes.timeZone), notes: changes.notes ?? "", into: &problems)
        if let tier = value(changes.tier), tier.count > 60 { problems.add("tier", "must be at most 60 characters") }
        try problems.throwIfAny()
        if case let .set(organization) = changes.organizationID { try await Self.validateOrganization(organization, on: database) }

        try await database.writeTransaction { db in
            guard let customer = try await Customer.find(customerID, on: db) else { throw RapportError.notFound("Customer \(customerID)") }
            let now = clock.now()
            if let name { customer.name = name }
            if case let .set(phone) = changes.phone { customer.phone = phone.flatMap(Self.nonEmpty) }
            if case let .set(locale) = changes.locale { customer.locale = locale.flatMap(Self.nonEmpty) }
            if case let .set(zone) = changes.timeZone { customer.timeZone = zone.flatMap(Self.nonEmpty) }
            if let notes = changes.notes { customer.notes = notes }
            if case let .set(organization) = changes.organizationID { customer.organizationID = organization }
            if case let .set(tier) = changes.tier { customer.tier = tier.flatMap(Self.nonEmpty) }
            if let manager = changes.isOrgManager { customer.isOrgManager = manager }
            customer.updatedAt = now
            try await customer.update(on: db)
            if let emails {
                try await Self.ensureUnused(emails, except: customerID, on: db)
                try await CustomerEmail.query(on: db).filter(\.$customerID == customerID).delete()
                for (index, email) in emails.enumerated() {
                    try await CustomerEmail(customerID: customerID, address: email.value, normalized: email.normalized, isPrimary: index == 0, now: now).create(on: db)
                }
            }
            if name != nil || emails != nil {
                try await TicketSearch.reindex(requesterID: customerID, on: db)
            }
        }
    }

    /// The customer who owns `email`, created with `name` (or the address's name part) if none
    /// does. Must run inside the caller's write transaction.
    func findOrCreate(email raw: String, name: String?, now: Date, on db: any Database) async throws -> Int {
        let email: EmailAddress
        do { email = try EmailAddress(raw) } catch {
            throw RapportError.invalid(["requester.email": "'\(raw.prefix(80))' \(error.description)"])
        }
        if db.flavor == .postgres {
            // Two messages from a new address at once must not both create the customer: take a
            // lock on the address for the rest of the transaction (SQLite's write lock already
            // serializes this).
            try await db.sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: email.normalized)))").run()
        }
        if let existing = try await CustomerEmail.query(on: db).filter(\.$normalized == email.normalized).first() {
            return existing.customerID
        }
        let customer = Customer()
        customer.isOrgManager = false
        let trimmedName = name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        customer.name = trimmedName.isEmpty ? String(email.value.prefix(while: { $0 != "@" })) : String(trimmedName.prefix(200))
        customer.notes = ""
        // Someone new writing from a company's domain belongs to that company.
        customer.organizationID = try await Organization.query(on: db).filter(\.$domain == String(email.domain)).first()?.id
        customer.createdAt = now
        customer.updatedAt = now
        try await customer.create(on: db)
        let id = try customer.requireID
        try await CustomerEmail(customerID: id, address: email.value, normalized: email.normalized, isPrimary: true, now: now).create(on: db)
        return id
    }

    // MARK: Validation

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func validEmails(_ raws: [String], required: Bool, into problems: inout FieldErrors) -> [EmailAddress] {
        if required, raws.isEmpty { problems.add("emails", "at least one email address is required") }
        if raws.count > maximumEmails { problems.add("emails", "at most \(maximumEmails) addresses") }
        var seen = Set<String>()
        var result: [EmailAddress] = []
        for (index, raw) in raws.enumerated() {
            do {
                let email = try EmailAddress(raw)
                if seen.insert(email.normalized).inserted { result.append(email) }
            } catch {
                problems.add("emails[\(index)]", "'\(raw.prefix(80))' \(error.description)")
            }
        }
        return result
    }

    private static func validateOptional(phone: String?, locale: String?, timeZone: String?, notes: String, into problems: inout FieldErrors) {
        if let phone, phone.count > 40 { problems.add("phone", "must be at most 40 characters") }
        if let locale, !locale.isEmpty, locale.count > 20 || !locale.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) {
            problems.add("locale", "must be a language tag like en or pt-BR")
        }
        if let timeZone, !timeZone.isEmpty, TimeZone(identifier: timeZone) == nil {
            problems.add("time_zone", "'\(timeZone.prefix(60))' is not a known time zone; use a name like Europe/Berlin")
        }
        if notes.count > 20_000 { problems.add("notes", "must be at most 20000 characters") }
    }

    private static func validateOrganization(_ id: Int?, on db: any Database) async throws {
        guard let id else { return }
        if try await Organization.find(id, on: db) == nil {
            throw RapportError.invalid(["organization_id": "no organization has id \(id)"])
        }
    }

    private static func ensureUnused(_ emails: [EmailAddress], except customerID: Int?, on db: any Database) async throws {
        guard !emails.isEmpty else { return }
        let taken = try await CustomerEmail.query(on: db).filter(\.$normalized ~~ emails.map(\.normalized)).all()
        if let clash = taken.first(where: { $0.customerID != customerID }) {
            throw RapportError.conflict("The address \(clash.address) already belongs to customer \(clash.customerID).", fields: ["emails": "\(clash.address) is already used by customer \(clash.customerID)"])
        }
    }
}
