import Fluent
import FluentKit
import Vapor

struct OrganizationDTO: Content {
    let id: Int
    let name: String
    let domain: String?
    let notes: String
    let createdAt: Date
    let updatedAt: Date

    init(_ organization: Organization) throws {
        id = try organization.requireID
        name = organization.name
        domain = organization.domain
        notes = organization.notes
        createdAt = organization.createdAt
        updatedAt = organization.updatedAt
    }
}

struct OrganizationInput: Decodable {
    let name: String?
    let domain: FieldUpdate<String>
    let notes: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: InputKey.self)
        name = try container.decodeIfPresent(String.self, forKey: InputKey("name"))
        domain = try container.decodeUpdate(String.self, forKey: InputKey("domain"))
        notes = try container.decodeIfPresent(String.self, forKey: InputKey("notes"))
    }
}

/// `/api/v1/organizations` — the companies customers belong to. Everyone reads; admins write.
struct OrganizationRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let organizations = routes.grouped("organizations")
        organizations.get(use: list)
        organizations.post(use: create)
        organizations.get(":id", use: read)
        organizations.patch(":id", use: update)
    }

    func list(req: Request) async throws -> [OrganizationDTO] {
        try await Organization.query(on: req.db).sort(\.$name).all().map(OrganizationDTO.init)
    }

    func read(req: Request) async throws -> OrganizationDTO {
        let id = try req.idParameter("id", naming: "Organization")
        guard let organization = try await Organization.find(id, on: req.db) else {
            throw RapportError.notFound("Organization \(id)")
        }
        return try OrganizationDTO(organization)
    }

    func create(req: Request) async throws -> Response {
        try OrganizationService.requireMayChange(try req.agent)
        let input = try req.decodeJSON(OrganizationInput.self)
        guard let name = input.name else { throw RapportError.invalid(["name": "is required"]) }
        let domain: String? = if case .set(let value) = input.domain { value } else { nil }
        let id = try await req.rapport.organizations.create(
            name: name, domain: domain, notes: input.notes ?? "", on: req.db)
        guard let organization = try await Organization.find(id, on: req.db) else {
            throw RapportError.notFound("Organization \(id)")
        }
        return try await OrganizationDTO(organization).created(at: "/api/v1/organizations/\(id)", for: req)
    }

    func update(req: Request) async throws -> OrganizationDTO {
        try OrganizationService.requireMayChange(try req.agent)
        let id = try req.idParameter("id", naming: "Organization")
        let input = try req.decodeJSON(OrganizationInput.self)
        try await req.rapport.organizations.update(
            organizationID: id, name: input.name, domain: input.domain, notes: input.notes, on: req.db)
        return try await read(req: req)
    }
}
