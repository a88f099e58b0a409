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
    /// Since when they have been flagged as likely to leave, if they are.
    let churnRiskSince: Date?
    /// A service tier SLA policies can target ("vip").
    let tier: String?
    /// Sees every request of their organization in the customer portal.
    let isOrgManager: Bool
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
    let tier: FieldUpdate<String>
    let isOrgManager: Bool?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: InputKey.self)
        name = try container.decodeIfPresent(String.self, forKey: InputKey("name"))
        emails = try container.decodeIfPresent([String].self, forKey: InputKey("emails"))
        phone = try container.decodeUpdate(String.self, forKey: InputKey("phone"))
        locale = try container.decodeUpdate(String.self, forKey: InputKey("locale"))
        timeZone = try container.decodeUpdate(String.self, forKey: InputKey("timeZone"))
        notes = try container.decodeIfPresent(String.self, forKey: InputKey("notes"))
        organizationID = try container.decodeUpdate(Int.self, forKey: InputKey("organizationID"))
        tier = try container.decodeUpdate(String.self, forKey: InputKey("tier"))
        isOrgManager = try container.decodeIfPresent(Bool.self, forKey: InputKey("isOrgManager"))
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
        let page = try await CustomerQueries.page(
            search: search, organizationID: organization, after: cursor, limit: limit, on: req.db)
        return CustomerPageDTO(customers: page.customers, nextCursor: page.next?.encoded)
    }

    func create(req: Request) async throws -> Response {
        let input = try req.decodeJSON(CreateCustomerRequest.self)
        let id = try await req.rapport.customers.create(
            NewCustomer(
                name: input.name, emails: input.emails, phone: input.phone, locale: input.locale,
                timeZone: input.timeZone,
                notes: input.notes ?? "", organizationID: input.organizationID
            ), on: req.db)
        return try await CustomerQueries.detail(customerID: id, access: try await req.ticketAccess(), on: req.db)
            .created(at: "/api/v1/customers/\(id)", for: req)
    }

    func read(req: Request) async throws -> CustomerDetailDTO {
        try await CustomerQueries.detail(
            customerID: try req.idParameter("id", naming: "Customer"), access: try await req.ticketAccess(), on: req.db)
    }

    func update(req: Request) async throws -> CustomerDetailDTO {
        let id = try req.idParameter("id", naming: "Customer")
        let input = try req.decodeJSON(UpdateCustomerRequest.self)
        try await req.rapport.customers.update(
            customerID: id,
            with: CustomerUpdate(
                name: input.name, emails: input.emails, phone: input.phone, locale: input.locale,
                timeZone: input.timeZone,
                notes: input.notes, organizationID: input.organizationID, tier: input.tier,
                isOrgManager: input.isOrgManager
            ), on: req.db)
        return try await CustomerQueries.detail(customerID: id, access: try await req.ticketAccess(), on: req.db)
    }
}
