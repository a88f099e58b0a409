import Fluent
import RapportCore
import SQLKit
import Vapor

struct OrganizationRow: Encodable, Sendable {
    let name: String
    let url: String
    let domain: String?
    let members: Int
}

struct OrganizationListContext: Encodable, Sendable {
    let page: PageChrome
    let rows: [OrganizationRow]
    let hasRows: Bool
    let error: String?
    let newName: String
    let newDomain: String
    let canEdit: Bool
}

struct OrganizationForm: Codable, Sendable {
    var name: String?
    var domain: String?
    var notes: String?
}

struct OrganizationContext: Encodable, Sendable {
    let page: PageChrome
    let id: Int
    let name: String
    let form: OrganizationForm
    let members: [CustomerListRow]
    let tickets: [TicketListRow]
    let hasMembers: Bool
    let hasTickets: Bool
    let error: String?
    let canEdit: Bool
}

/// Organizations: the companies customers belong to, with their people and tickets.
struct OrganizationPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("organizations", use: list)
        routes.post("organizations", use: create)
        routes.get("organizations", ":id", use: show)
        routes.post("organizations", ":id", use: update)
    }

    func list(req: Request) async throws -> Response {
        try await renderList(req, error: nil, form: OrganizationForm())
    }

    func create(req: Request) async throws -> Response {
        try OrganizationService.requireMayChange(try req.agent)
        let form = try req.content.decode(OrganizationForm.self)
        do {
            let id = try await req.rapport.organizations.create(
                name: form.name ?? "", domain: form.domain, notes: form.notes ?? "", on: req.db)
            return req.redirect(to: "/organizations/\(id)", notice: .organizationSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderList(
                req, error: FormErrorWording.sentence(error), form: form, status: .unprocessableEntity)
        }
    }

    func show(req: Request) async throws -> Response {
        try await render(req, id: try req.idParameter("id", naming: "Organization"), submitted: nil, error: nil)
    }

    func update(req: Request) async throws -> Response {
        try OrganizationService.requireMayChange(try req.agent)
        let id = try req.idParameter("id", naming: "Organization")
        let form = try req.content.decode(OrganizationForm.self)
        do {
            let domain = form.domain?.trimmingCharacters(in: .whitespaces) ?? ""
            try await req.rapport.organizations.update(
                organizationID: id, name: form.name ?? "", domain: .set(domain.isEmpty ? nil : domain),
                notes: form.notes ?? "", on: req.db)
            return req.redirect(to: "/organizations/\(id)", notice: .organizationSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, id: id, submitted: form, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    private func renderList(_ req: Request, error: String?, form: OrganizationForm, status: HTTPStatus = .ok)
        async throws -> Response
    {
        struct CountRow: Decodable {
            let organizationID: Int
            let members: Int
        }
        let organizations = try await Organization.query(on: req.db).sort(\.$name).limit(1_000).all()
        let counts = try await req.db.sql.raw(
            """
            SELECT organization_id AS "organizationID", COUNT(*) AS "members" FROM customers
            WHERE organization_id IS NOT NULL GROUP BY organization_id
            """
        ).all(decoding: CountRow.self)
        let membersByID = Dictionary(uniqueKeysWithValues: counts.map { ($0.organizationID, $0.members) })
        let context = OrganizationListContext(
            page: try req.chrome(title: "Organizations", section: "organizations"),
            rows: organizations.compactMap { org in
                org.id.map {
                    OrganizationRow(
                        name: org.name, url: "/organizations/\($0)", domain: org.domain, members: membersByID[$0] ?? 0)
                }
            },
            hasRows: !organizations.isEmpty, error: error, newName: form.name ?? "", newDomain: form.domain ?? "",
            canEdit: OrganizationService.mayChange(try req.agent)
        )
        return try await req.page("organizations", context, status: status)
    }

    private func render(_ req: Request, id: Int, submitted: OrganizationForm?, error: String?, status: HTTPStatus = .ok)
        async throws -> Response
    {
        guard let organization = try await Organization.find(id, on: req.db) else {
            throw RapportError.notFound("Organization \(id)")
        }
        let now = req.rapport.settings.clock.now()
        let members = try await CustomerQueries.page(
            search: nil, organizationID: id, after: nil, limit: 100, on: req.db
        ).customers
        struct TicketRow: Decodable { let id: Int }
        let ticketIDs = try await req.db.sql.raw(
            """
            SELECT t.id AS "id" FROM tickets t JOIN customers c ON c.id = t.requester_id
            WHERE c.organization_id = \(bind: id) ORDER BY t.updated_at DESC, t.id DESC LIMIT 50
            """
        ).all(decoding: TicketRow.self).map(\.id)
        let tickets = try await TicketQueries.summaries(ids: ticketIDs, on: req.db)
        let context = OrganizationContext(
            page: try req.chrome(title: organization.name, section: "organizations"), id: id, name: organization.name,
            form: submitted
                ?? OrganizationForm(
                    name: organization.name, domain: organization.domain ?? "", notes: organization.notes),
            members: members.map {
                CustomerListRow(
                    name: $0.name, url: "/customers/\($0.id)", email: $0.emails.first, phone: $0.phone,
                    organizationName: nil,
                    updated: PageDates.relative($0.updatedAt, now: now))
            },
            tickets: tickets.map { TicketListRow($0, now: now) },
            hasMembers: !members.isEmpty, hasTickets: !tickets.isEmpty,
            error: error, canEdit: OrganizationService.mayChange(try req.agent)
        )
        return try await req.page("organization", context, status: status)
    }
}
