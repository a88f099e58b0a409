import Fluent
import FluentKit
import RapportCore
import SQLKit
import Vapor

struct CustomerDTO: Content {
    let id: Int
    let name: String
    let emails: [String]
    let phone: String?
    let locale: String?
    let timeZone: String?
    let notes: String
    let organization: NamedReferenceDTO?
    let createdAt: Date
    let updatedAt: Date
}

struct CustomerDetailDTO: Content {
    let customer: CustomerDTO
    /// Their tickets, most recently updated first (up to 100).
    let tickets: [TicketSummaryDTO]
}

struct CustomerPageDTO: Content {
    let customers: [CustomerDTO]
    let nextCursor: String?
}

struct CreateCustomerRequest: Decodable {
    let name: String
    let emails: [String]
    let phone: String?
    let locale: String?
    let timeZone: String?
    let notes: String?
    let organizationID: Int?
}

struct UpdateCustomerRequest: Decodable {
    let name: String?
    let emails: [String]?
    let phone: FieldUpdate<String>
    let locale: FieldUpdate<String>
    let timeZone: FieldUpdate<String>
    let notes: String?
    let organizationID: FieldUpdate<Int>

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: InputKey.self)
        name = try container.decodeIfPresent(String.self, forKey: InputKey("name"))
        emails = try container.decodeIfPresent([String].self, forKey: InputKey("emails"))
        phone = try container.decodeUpdate(String.self, forKey: InputKey("phone"))
        locale = try container.decodeUpdate(String.self, forKey: InputKey("locale"))
        timeZone = try container.decodeUpdate(String.self, forKey: InputKey("timeZone"))
        notes = try container.decodeIfPresent(String.self, forKey: InputKey("notes"))
        organizationID = try container.decodeUpdate(Int.self, forKey: InputKey("organizationID"))
    }
}

/// `/api/v1/customers` — list and search, create, read with their tickets, update.
struct CustomerRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let customers = routes.grouped("customers")
        customers.get(use: list)
        customers.post(use: create)
        customers.get(":id", use: read)
        customers.patch(":id", use: update)
    }

    func list(req: Request) async throws -> CustomerPageDTO {
        var problems = FieldErrors()
        let limit = req.pageLimit(into: &problems)
        let cursor = req.pageCursor(into: &problems)
        let organization = req.queryInt("organization", into: &problems)
        let search = req.queryString("q")
        if let search, search.count > 200 { problems.add("q", "must be at most 200 characters") }
        try problems.throwIfAny()
        let page = try await CustomerQueries.page(search: search, organizationID: organization, after: cursor, limit: limit, on: req.db)
        return CustomerPageDTO(customers: page.customers, nextCursor: page.next?.encoded)
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeJSON(CreateCustomerRequest.self)
        let id = try await req.rapport.customers.create(NewCustomer(
            name: input.name, emails: input.emails, phone: input.phone, locale: input.locale, timeZone: input.timeZone,
            notes: input.notes ?? "", organizationID: input.organizationID
        ), on: req.db)
        let response = try await CustomerQueries.detail(customerID: id, on: req.db).encodeResponse(status: .created, for: req)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/customers/\(id)")
        return response
    }

    func read(req: Request) async throws -> CustomerDetailDTO {
        try await CustomerQueries.detail(customerID: try req.idParameter("id", naming: "Customer"), on: req.db)
    }

    func update(req: Request) async throws -> CustomerDetailDTO {
        let id = try req.idParameter("id", naming: "Customer")
        let input = try req.decodeJSON(UpdateCustomerRequest.self)
        try await req.rapport.customers.update(customerID: id, with: CustomerUpdate(
            name: input.name, emails: input.emails, phone: input.phone, locale: input.locale, timeZone: input.timeZone,
            notes: input.notes, organizationID: input.organizationID
        ), on: req.db)
        return try await CustomerQueries.detail(customerID: id, on: req.db)
    }
}

enum CustomerQueries {
    static func page(search: String?, organizationID: Int?, after cursor: PageCursor?, limit: Int, on db: any Database) async throws -> (customers: [CustomerDTO], next: PageCursor?) {
        var conditions: [SQLQueryString] = []
        if let search {
            // Matches the start of any word of the name, or any part of an address.
            let pattern = "%" + Self.escapeLike(search.lowercased()) + "%"
            let prefix = Self.escapeLike(search.lowercased()) + "%"
            conditions.append("""
                (LOWER(cu.name) LIKE \(bind: prefix) ESCAPE '\\' OR LOWER(cu.name) LIKE \(bind: "% " + prefix) ESCAPE '\\'
                 OR EXISTS (SELECT 1 FROM customer_emails e WHERE e.customer_id = cu.id AND e.normalized LIKE \(bind: pattern) ESCAPE '\\'))
                """)
        }
        if let organizationID { conditions.append("cu.organization_id = \(bind: organizationID)") }
        if let cursor {
            conditions.append("(cu.updated_at < \(bind: cursor.timestamp) OR (cu.updated_at = \(bind: cursor.timestamp) AND cu.id < \(bind: cursor.id)))")
        }
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        struct Row: Decodable { let id: Int; let updatedAt: Date }
        let rows = try await db.sql.raw("""
            SELECT cu.id AS "id", cu.updated_at AS "updatedAt" FROM customers cu \(whereClause)
            ORDER BY cu.updated_at DESC, cu.id DESC LIMIT \(bind: limit + 1)
            """).all(decoding: Row.self)
        let pageRows = Array(rows.prefix(limit))
        let next = rows.count > limit ? pageRows.last.map { PageCursor(timestamp: $0.updatedAt, id: $0.id) } : nil
        return (try await customers(ids: pageRows.map(\.id), on: db), next)
    }

    static func customers(ids: [Int], on db: any Database) async throws -> [CustomerDTO] {
        guard !ids.isEmpty else { return [] }
        let customers = try await Customer.query(on: db).filter(\.$id ~~ ids).all()
        let emails = try await CustomerEmail.query(on: db).filter(\.$customerID ~~ ids).sort(\.$isPrimary, .descending).sort(\.$id).all()
        let organizationIDs = Set(customers.compactMap(\.organizationID))
        let organizations = organizationIDs.isEmpty ? [] : try await Organization.query(on: db).filter(\.$id ~~ organizationIDs).all()
        let emailsByCustomer = Dictionary(grouping: emails, by: \.customerID)
        let organizationNames = Dictionary(uniqueKeysWithValues: organizations.compactMap { org in org.id.map { ($0, org.name) } })
        let byID = Dictionary(uniqueKeysWithValues: customers.compactMap { c in c.id.map { ($0, c) } })
        return ids.compactMap { id in
            guard let customer = byID[id] else { return nil }
            return CustomerDTO(
                id: id, name: customer.name, emails: (emailsByCustomer[id] ?? []).map(\.address), phone: customer.phone,
                locale: customer.locale, timeZone: customer.timeZone, notes: customer.notes,
                organization: customer.organizationID.map { NamedReferenceDTO(id: $0, name: organizationNames[$0] ?? "") },
                createdAt: customer.createdAt, updatedAt: customer.updatedAt
            )
        }
    }

    static func detail(customerID: Int, on db: any Database) async throws -> CustomerDetailDTO {
        guard let customer = try await customers(ids: [customerID], on: db).first else { throw RapportError.notFound("Customer \(customerID)") }
        var filters = TicketListFilters()
        filters.requesterID = customerID
        let tickets = try await TicketQueries.page(filters, after: nil, limit: 100, on: db).tickets
        return CustomerDetailDTO(customer: customer, tickets: tickets)
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }
}
