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
        let hasPhone = input.phone.flatMap(Self.nonEmpty) != nil
        let emails = Self.validEmails(input.emails, required: !hasPhone, into: &problems)
        Self.validateOptional(
            phone: input.phone, locale: input.locale, timeZone: input.timeZone, notes: input.notes, into: &problems)
        try problems.throwIfAny()
        try await Self.validateOrganization(input.organizationID, on: database)

        return try await database.write { tx in
            let db = tx.db
            try await Self.ensureUnused(emails, except: nil, on: db)
            let now = clock.now()
            let customer = Customer()
            customer.isOrgManager = false
            customer.name = name
            customer.phone = input.phone.flatMap(Self.nonEmpty)
            customer.phoneNormalized = customer.phone.flatMap(PhoneNumber.normalized)
            customer.locale = input.locale.flatMap(Self.nonEmpty)
            customer.timeZone = input.timeZone.flatMap(Self.nonEmpty)
            customer.notes = input.notes
            customer.organizationID = input.organizationID
            customer.createdAt = now
            customer.updatedAt = now
            try await customer.create(on: db)
            let id = try customer.requireID
            for (index, email) in emails.enumerated() {
                try await CustomerEmail(
                    customerID: id, address: email.value, normalized: email.normalized, isPrimary: index == 0, now: now
                ).create(on: db)
            }
            return id
        }
    }

    func update(customerID: Int, with changes: CustomerUpdate, on database: any Database) async throws {
        var problems = FieldErrors()
        let name = changes.name.map { problems.requiredText($0, field: "name", maximumLength: 200) }
        // A customer needs a way to be reached: an address, or a phone number (a caller).
        let keepsPhone: Bool
        if case .set(let phone) = changes.phone {
            keepsPhone = phone.flatMap(Self.nonEmpty) != nil
        } else {
            keepsPhone = try await Customer.find(customerID, on: database)?.phone.flatMap(Self.nonEmpty) != nil
        }
        let emails = changes.emails.map { Self.validEmails($0, required: !keepsPhone, into: &problems) }
        func value(_ update: FieldUpdate<String>) -> String? { if case .set(let v) = update { v } else { nil } }
        Self.validateOptional(
            phone: value(changes.phone), locale: value(changes.locale), timeZone: value(changes.timeZone),
            notes: changes.notes ?? "", into: &problems)
        if let tier = value(changes.tier), tier.count > 60 { problems.add("tier", "must be at most 60 characters") }
        try problems.throwIfAny()
        if case .set(let organization) = changes.organizationID {
            try await Self.validateOrganization(organization, on: database)
        }

        try await database.write { tx in
            let db = tx.db
            guard let customer = try await Customer.find(customerID, on: db) else {
                throw RapportError.notFound("Customer \(customerID)")
            }
            let now = clock.now()
            if let name { customer.name = name }
            if case .set(let phone) = changes.phone {
                customer.phone = phone.flatMap(Self.nonEmpty)
                customer.phoneNormalized = customer.phone.flatMap(PhoneNumber.normalized)
            }
            if case .set(let locale) = changes.locale { customer.locale = locale.flatMap(Self.nonEmpty) }
            if case .set(let zone) = changes.timeZone { customer.timeZone = zone.flatMap(Self.nonEmpty) }
            if let notes = changes.notes { customer.notes = notes }
            if case .set(let organization) = changes.organizationID { customer.organizationID = organization }
            if case .set(let tier) = changes.tier { customer.tier = tier.flatMap(Self.nonEmpty) }
            if let manager = changes.isOrgManager { customer.isOrgManager = manager }
            customer.updatedAt = now
            try await customer.update(on: db)
            if let emails {
                try await Self.ensureUnused(emails, except: customerID, on: db)
                try await CustomerEmail.query(on: db).filter(\.$customerID == customerID).delete()
                for (index, email) in emails.enumerated() {
                    try await CustomerEmail(
                        customerID: customerID, address: email.value, normalized: email.normalized,
                        isPrimary: index == 0, now: now
                    ).create(on: db)
                }
            }
            if name != nil || emails != nil {
                try await TicketSearch.reindex(requesterID: customerID, on: db)
            }
        }
    }

    /// The customer who owns `email`, created with `name` (or the address's name part) if none
    /// does, inside the caller's write transaction.
    func findOrCreate(email raw: String, name: String?, now: Date, in tx: WriteTransaction) async throws -> Int {
        let db = tx.db
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
        customer.name =
            trimmedName.isEmpty ? String(email.value.prefix(while: { $0 != "@" })) : String(trimmedName.prefix(200))
        customer.notes = ""
        // Someone new writing from a company's domain belongs to that company.
        customer.organizationID = try await Organization.query(on: db).filter(\.$domain == String(email.domain))
            .first()?.id
        customer.createdAt = now
        customer.updatedAt = now
        try await customer.create(on: db)
        let id = try customer.requireID
        try await CustomerEmail(
            customerID: id, address: email.value, normalized: email.normalized, isPrimary: true, now: now
        ).create(on: db)
        return id
    }

    /// Who is on the line: an address, a number, or both, and the name they gave.
    struct CallerContact: Sendable {
        var email: String?
        var phone: String?
        var name: String?

        var hasEmail: Bool { !(email ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
        var hasPhone: Bool { !(phone ?? "").trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The customer a caller is already known as: by address first, then by number.
    static func existing(_ contact: CallerContact, on db: any Database) async throws -> Int? {
        if contact.hasEmail, let email = try? EmailAddress(contact.email ?? ""),
            let found = try await CustomerEmail.query(on: db).filter(\.$normalized == email.normalized).first()
        {
            return found.customerID
        }
        if contact.hasPhone, let number = PhoneNumber.normalized(contact.phone ?? "") {
            return try await Customer.query(on: db).filter(\.$phoneNormalized == number).sort(\.$id).first()?.id
        }
        return nil
    }

    /// The customer a caller is, found by address or number or created; what the call adds (a
    /// number to someone known by address, an address to someone known by number) is kept on
    /// their record. Inside the caller's write transaction.
    func findOrCreate(contact: CallerContact, now: Date, in tx: WriteTransaction) async throws -> Int {
        let db = tx.db
        var problems = FieldErrors()
        let number = contact.hasPhone ? PhoneNumber.normalized(contact.phone ?? "") : nil
        if contact.hasPhone, number == nil {
            problems.add(
                "requester.phone",
                "'\((contact.phone ?? "").prefix(40))' is not a phone number: use digits, spaces, '-', '(', ')' and a leading '+'"
            )
        }
        if !contact.hasEmail, !contact.hasPhone {
            problems.add("requester", "give the caller's email address or phone number (or both)")
        }
        try problems.throwIfAny()
        let phone = contact.phone?.trimmingCharacters(in: .whitespacesAndNewlines)
        if contact.hasEmail {
            let id = try await findOrCreate(email: contact.email ?? "", name: contact.name, now: now, in: tx)
            if let number, let customer = try await Customer.find(id, on: db), customer.phoneNormalized == nil {
                customer.phone = phone
                customer.phoneNormalized = number
                customer.updatedAt = now
                try await customer.update(on: db)
            }
            return id
        }
        guard let number else {
            throw RapportError.invalid(["requester": "give the caller's email address or phone number"])
        }
        if db.flavor == .postgres {
            try await db.sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "phone:" + number)))").run()
        }
        if let known = try await Customer.query(on: db).filter(\.$phoneNormalized == number).sort(\.$id).first() {
            return try known.requireID
        }
        let customer = Customer()
        customer.isOrgManager = false
        let trimmedName = contact.name?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        customer.name = trimmedName.isEmpty ? "Caller \(phone ?? number)" : String(trimmedName.prefix(200))
        customer.phone = phone
        customer.phoneNormalized = number
        customer.notes = ""
        customer.createdAt = now
        customer.updatedAt = now
        try await customer.create(on: db)
        return try customer.requireID
    }

    // MARK: Validation

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func validEmails(_ raws: [String], required: Bool, into problems: inout FieldErrors)
        -> [EmailAddress]
    {
        if required, raws.isEmpty {
            problems.add("emails", "at least one email address is required (or a phone number)")
        }
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

    private static func validateOptional(
        phone: String?, locale: String?, timeZone: String?, notes: String, into problems: inout FieldErrors
    ) {
        if let phone, phone.count > 40 { problems.add("phone", "must be at most 40 characters") }
        if let phone, !phone.trimmingCharacters(in: .whitespaces).isEmpty, PhoneNumber.normalized(phone) == nil {
            problems.add(
                "phone",
                "'\(phone.prefix(40))' is not a phone number: use digits, spaces, '-', '(', ')' and a leading '+'")
        }
        if let locale, !locale.isEmpty,
            locale.count > 20 || !locale.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" })
        {
            problems.add("locale", "must be a language tag like en or pt-BR")
        }
        if let timeZone, !timeZone.isEmpty, TimeZone(identifier: timeZone) == nil {
            problems.add(
                "time_zone", "'\(timeZone.prefix(60))' is not a known time zone; use a name like Europe/Berlin")
        }
        if notes.count > 20_000 { problems.add("notes", "must be at most 20000 characters") }
    }

    private static func validateOrganization(_ id: Int?, on db: any Database) async throws {
        guard let id else { return }
        if try await Organization.find(id, on: db) == nil {
            throw RapportError.invalid(["organization_id": "no organization has id \(id)"])
        }
    }

    private static func ensureUnused(_ emails: [EmailAddress], except customerID: Int?, on db: any Database)
        async throws
    {
        guard !emails.isEmpty else { return }
        let taken = try await CustomerEmail.query(on: db).filter(\.$normalized ~~ emails.map(\.normalized)).all()
        if let clash = taken.first(where: { $0.customerID != customerID }) {
            throw RapportError.conflict(
                "The address \(clash.address) already belongs to customer \(clash.customerID).",
                fields: ["emails": "\(clash.address) is already used by customer \(clash.customerID)"])
        }
    }
}
