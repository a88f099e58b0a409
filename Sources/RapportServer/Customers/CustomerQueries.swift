import Fluent
import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Read-only customer queries: pages, search by name or address, a profile with tickets.
enum CustomerQueries {
    static func page(search: String?, organizationID: Int?, after cursor: PageCursor?, limit: Int, on db: any Database)
        async throws -> (customers: [CustomerDTO], next: PageCursor?)
    {
        var conditions: [SQLQueryString] = []
        if let search {
            // Matches the start of any word of the name, or any part of an address.
            let pattern = "%" + Self.escapeLike(search.lowercased()) + "%"
            let prefix = Self.escapeLike(search.lowercased()) + "%"
            conditions.append(
                """
                (LOWER(cu.name) LIKE \(bind: prefix) ESCAPE '\\' OR LOWER(cu.name) LIKE \(bind: "% " + prefix) ESCAPE '\\'
                 OR EXISTS (SELECT 1 FROM customer_emails e WHERE e.customer_id = cu.id AND e.normalized LIKE \(bind: pattern) ESCAPE '\\'))
                """)
        }
        if let organizationID { conditions.append("cu.organization_id = \(bind: organizationID)") }
        if let cursor {
            conditions.append(
                "(cu.updated_at < \(bind: cursor.timestamp) OR (cu.updated_at = \(bind: cursor.timestamp) AND cu.id < \(bind: cursor.id)))"
            )
        }
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        struct Row: Decodable {
            let id: Int
            let updatedAt: Date
        }
        let rows = try await db.sql.raw(
            """
            SELECT cu.id AS "id", cu.updated_at AS "updatedAt" FROM customers cu \(whereClause)
            ORDER BY cu.updated_at DESC, cu.id DESC LIMIT \(bind: limit + 1)
            """
        ).all(decoding: Row.self)
        let pageRows = Array(rows.prefix(limit))
        let next = rows.count > limit ? pageRows.last.map { PageCursor(timestamp: $0.updatedAt, id: $0.id) } : nil
        return (try await customers(ids: pageRows.map(\.id), on: db), next)
    }

    static func customers(ids: [Int], on db: any Database) async throws -> [CustomerDTO] {
        try await customersWithAddresses(ids: ids, on: db).customers
    }

    /// The customers and their address rows (which say which addresses bounce).
    static func customersWithAddresses(ids: [Int], on db: any Database) async throws -> (
        customers: [CustomerDTO], addresses: [CustomerEmail]
    ) {
        guard !ids.isEmpty else { return ([], []) }
        let customers = try await Customer.query(on: db).filter(\.$id ~~ ids).all()
        let emails = try await CustomerEmail.query(on: db).filter(\.$customerID ~~ ids).sort(\.$isPrimary, .descending)
            .sort(\.$id).all()
        let organizationIDs = Set(customers.compactMap(\.organizationID))
        let organizations =
            organizationIDs.isEmpty ? [] : try await Organization.query(on: db).filter(\.$id ~~ organizationIDs).all()
        let emailsByCustomer = Dictionary(grouping: emails, by: \.customerID)
        let organizationNames = Dictionary(
            uniqueKeysWithValues: organizations.compactMap { org in org.id.map { ($0, org.name) } })
        let byID = Dictionary(uniqueKeysWithValues: customers.compactMap { c in c.id.map { ($0, c) } })
        let found = ids.compactMap { id -> CustomerDTO? in
            guard let customer = byID[id] else { return nil }
            return CustomerDTO(
                id: id, name: customer.name, emails: (emailsByCustomer[id] ?? []).map(\.address), phone: customer.phone,
                locale: customer.locale, timeZone: customer.timeZone, notes: customer.notes,
                organization: customer.organizationID.map {
                    NamedReferenceDTO(id: $0, name: organizationNames[$0] ?? "")
                },
                churnRiskSince: customer.churnRiskSince, tier: customer.tier, isOrgManager: customer.isOrgManager,
                createdAt: customer.createdAt, updatedAt: customer.updatedAt
            )
        }
        return (found, emails)
    }

    /// The customer and their tickets (those `access` allows).
    static func detail(customerID: Int, access: TicketAccess?, on db: any Database) async throws -> CustomerDetailDTO {
        guard let customer = try await customers(ids: [customerID], on: db).first else {
            throw RapportError.notFound("Customer \(customerID)")
        }
        var filters = TicketListFilters()
        filters.requesterID = customerID
        filters.access = access
        let tickets = try await TicketQueries.page(filters, after: nil, limit: 100, on: db).tickets
        return CustomerDetailDTO(customer: customer, tickets: tickets)
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
