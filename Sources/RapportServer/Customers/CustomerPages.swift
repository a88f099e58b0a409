import Fluent
import RapportCore
import Vapor

struct CustomerListContext: Encodable, Sendable {
    let page: PageChrome
    let query: String
    let rows: [CustomerListRow]
    let hasRows: Bool
    let nextPageURL: String?
    let createError: String?
    let newName: String
    let newEmail: String
}

struct CustomerForm: Encodable, Decodable, Sendable {
    var name: String?
    var emails: String?
    var phone: String?
    var tier: String?
    var organization: String?
    var isOrgManager: String?
    var notes: String?

    enum CodingKeys: String, CodingKey {
        case name, emails, phone, tier, organization
        case isOrgManager = "is_org_manager"
        case notes
    }
}

struct CustomerProfileContext: Encodable, Sendable {
    let page: PageChrome
    let id: Int
    let name: String
    let since: String
    let form: CustomerForm
    let organizationOptions: [SelectOption]
    let organizationName: String?
    let organizationURL: String?
    let tickets: [TicketListRow]
    let hasTickets: Bool
    let primaryEmail: String
    let churnRiskSince: String?
    let openCount: Int
    let error: String?
}

/// Customers in the workspace: a searchable list and a profile with their whole history.
struct CustomerPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("customers", use: list)
        routes.post("customers", use: create)
        routes.get("customers", ":id", use: profile)
        routes.post("customers", ":id", use: update)
    }

    func list(req: Request) async throws -> Response {
        try await renderList(req, createError: nil, newName: "", newEmail: "")
    }

    struct NewCustomerForm: Decodable {
        var name: String?
        var email: String?
        var phone: String?
    }

    /// `POST /customers` — someone who called or wrote outside the email channel.
    func create(req: Request) async throws -> Response {
        let form = try req.content.decode(NewCustomerForm.self)
        do {
            let email = (form.email ?? "").trimmingCharacters(in: .whitespaces)
            let id = try await req.rapport.customers.create(
                NewCustomer(name: form.name ?? "", emails: email.isEmpty ? [] : [email], phone: form.phone), on: req.db)
            return req.redirect(to: "/customers/\(id)", notice: .customerSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderList(
                req, createError: FormErrorWording.sentence(error), newName: form.name ?? "",
                newEmail: form.email ?? "", status: .unprocessableEntity)
        }
    }

    func profile(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Customer")
        return try await renderProfile(req, id: id, submitted: nil, error: nil)
    }

    func update(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Customer")
        let form = try req.content.decode(CustomerForm.self)
        do {
            var changes = CustomerUpdate()
            changes.name = form.name ?? ""
            changes.emails = (form.emails ?? "").split(whereSeparator: { $0.isNewline || $0 == "," || $0 == " " }).map(
                String.init)
            changes.phone = .set(form.phone)
            changes.tier = .set(form.tier)
            changes.isOrgManager = form.isOrgManager == "true"
            changes.notes = form.notes ?? ""
            changes.organizationID = try WebForm.reference(form.organization, field: "organization")
            try await req.rapport.customers.update(customerID: id, with: changes, on: req.db)
            return req.redirect(to: "/customers/\(id)", notice: .customerSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderProfile(
                req, id: id, submitted: form, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    private func renderList(
        _ req: Request, createError: String?, newName: String, newEmail: String, status: HTTPStatus = .ok
    ) async throws -> Response {
        let search = req.queryString("q").map { String($0.prefix(200)) }
        let cursor = req.queryString("cursor").flatMap(PageCursor.init(encoded:))
        let result = try await CustomerQueries.page(
            search: search, organizationID: nil, after: cursor, limit: 50, on: req.db)
        let now = req.rapport.settings.clock.now()
        var next: String?
        if let nextCursor = result.next {
            var components = URLComponents()
            components.path = "/customers"
            components.queryItems =
                (search.map { [URLQueryItem(name: "q", value: $0)] } ?? []) + [
                    URLQueryItem(name: "cursor", value: nextCursor.encoded)
                ]
            next = components.string
        }
        let context = CustomerListContext(
            page: try req.chrome(title: "Customers", section: "customers"), query: search ?? "",
            rows: result.customers.map {
                CustomerListRow(
                    name: $0.name, url: "/customers/\($0.id)", email: $0.emails.first, phone: $0.phone,
                    organizationName: $0.organization?.name,
                    updated: PageDates.relative($0.updatedAt, now: now))
            },
            hasRows: !result.customers.isEmpty, nextPageURL: next, createError: createError, newName: newName,
            newEmail: newEmail
        )
        return try await req.page("customers", context, status: status)
    }

    private func renderProfile(
        _ req: Request, id: Int, submitted: CustomerForm?, error: String?, status: HTTPStatus = .ok
    ) async throws -> Response {
        let detail = try await CustomerQueries.detail(customerID: id, access: try await req.ticketAccess(), on: req.db)
        let customer = detail.customer
        let organizations = try await Organization.query(on: req.db).sort(\.$name).limit(1_000).all()
        let now = req.rapport.settings.clock.now()
        let form =
            submitted
            ?? CustomerForm(
                name: customer.name, emails: customer.emails.joined(separator: "\n"), phone: customer.phone ?? "",
                tier: customer.tier ?? "",
                organization: customer.organization.map { String($0.id) } ?? "none",
                isOrgManager: customer.isOrgManager ? "true" : nil, notes: customer.notes
            )
        let selectedOrganization = form.organization.flatMap(Int.init)
        let context = CustomerProfileContext(
            page: try req.chrome(title: customer.name, section: "customers"), id: id, name: customer.name,
            since: PageDates.full(customer.createdAt), form: form,
            organizationOptions: [
                SelectOption(value: "none", label: "No organization", selected: selectedOrganization == nil)
            ]
                + organizations.compactMap { org in
                    org.id.map {
                        SelectOption(value: String($0), label: org.name, selected: $0 == selectedOrganization)
                    }
                },
            organizationName: customer.organization?.name,
            organizationURL: customer.organization.map { "/organizations/\($0.id)" },
            tickets: detail.tickets.map { TicketListRow($0, now: now) },
            hasTickets: !detail.tickets.isEmpty,
            primaryEmail: customer.emails.first?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
            churnRiskSince: customer.churnRiskSince.map(PageDates.full),
            openCount: detail.tickets.filter { $0.status.isUnresolved }.count,
            error: error
        )
        return try await req.page("customer", context, status: status)
    }
}
