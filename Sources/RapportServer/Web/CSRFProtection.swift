import Vapor

/// Rejects state-changing requests that do not carry the session's CSRF token, in the form
/// field `_csrf` or the `X-CSRF-Token` header, or that come from another origin.
///
/// Reading the form field means collecting the body here, before the route would, so the
/// middleware enforces the body limit itself: give it the largest body its routes accept.
struct CSRFProtectionMiddleware: AsyncMiddleware {
    let maximumBodyBytes: Int

    static let fieldName = "_csrf"
    static let headerName = "X-CSRF-Token"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard ![.GET, .HEAD, .OPTIONS].contains(request.method) else { return try await next.respond(to: request) }
        guard let expected = request.webSession?.csrfToken else { throw CSRFFailure.error }
        try Self.checkOrigin(request)
        let provided = try await Self.providedToken(request, maximumBodyBytes: maximumBodyBytes)
        guard let provided, Self.constantTimeEquals(provided, expected) else { throw CSRFFailure.error }
        return try await next.respond(to: request)
    }

    /// A browser sends `Origin` on every cross-site POST; when present it must be this server.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers.first(name: .origin), origin != "null" else { return }
        guard let host = request.headers.first(name: .host),
            let originHost = URLComponents(string: origin).map({ c in
                [c.host, c.port.map(String.init)].compactMap { $0 }.joined(separator: ":")
            }), originHost.lowercased() == host.lowercased()
        else { throw CSRFFailure.error }
    }

    /// The token from the header, or from the form body.
    static func providedToken(_ request: Request, maximumBodyBytes: Int) async throws -> String? {
        if let header = request.headers.first(name: headerName) { return header }
        guard request.content.contentType != nil else { return nil }
        _ = try await request.body.collect(max: maximumBodyBytes).get()
        return try? request.content.get(String.self, at: fieldName)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

enum CSRFFailure {
    static let error = RapportError(
        .forbidden, code: "csrf_failed",
        reason: "This form has expired or was sent from another site. Go back, reload the page and try again."
    )
}

/// For the public pages, which have no agent session: a POST whose `Origin` is another site is
/// refused outright; the forms' own tokens are checked by the pages.
struct SameOriginPostMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .POST { try CSRFProtectionMiddleware.checkOrigin(request) }
        return try await next.respond(to: request)
    }
}
