import Fluent
import Vapor

/// `GET /api/v1/attachments/:id` — the file, always as a download so a browser never runs it.
struct AttachmentRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("attachments", ":id", use: download)
    }

    func download(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Attachment")
        guard let attachment = try await Attachment.find(id, on: req.db) else {
            throw RapportError.notFound("Attachment \(id)")
        }
        do { try await req.requireTicketAccess(attachment.ticketID) } catch {
            throw RapportError.notFound("Attachment \(id)")
        }
        return try await req.rapport.attachments.download(attachment, for: req)
    }
}
