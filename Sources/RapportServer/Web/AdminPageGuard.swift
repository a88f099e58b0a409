import Vapor

/// Lets only admins through to the admin pages; everyone else gets a 403 page.
struct RequireAdminPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try request.requireAdmin()
        return try await next.respond(to: request)
    }
}
