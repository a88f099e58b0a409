import Vapor

/// `GET /assets/...` — the stylesheet and scripts from `Public/`. Only plain file names inside
/// that folder are served; anything else is a 404.
struct AssetRoutes: RouteCollection {
    let directory: URL

    func boot(routes: any RoutesBuilder) throws {
        routes.get("assets", "**", use: serve)
        // Browsers ask for it on every page of every site, whatever the page links.
        routes.get("favicon.ico", use: favicon)
    }

    func favicon(req: Request) async throws -> Response {
        let response = try await req.fileio.asyncStreamFile(at: directory.appendingPathComponent("favicon.ico").path)
        response.headers.replaceOrAdd(name: .contentType, value: "image/x-icon")
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=86400")
        return response
    }

    func serve(req: Request) async throws -> Response {
        let parts = req.parameters.getCatchall()
        guard !parts.isEmpty,
            parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("\\") && !$0.contains("\0") })
        else {
            throw RapportError.notFound("The file")
        }
        let path = directory.appendingPathComponent(parts.joined(separator: "/")).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw RapportError.notFound("The file")
        }
        let response = try await req.fileio.asyncStreamFile(at: path)
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        response.headers.replaceOrAdd(name: .xContentTypeOptions, value: "nosniff")
        return response
    }
}
