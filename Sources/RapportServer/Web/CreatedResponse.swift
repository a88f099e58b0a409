import Vapor

extension Content {
    /// A `201 Created` answer with this body and a `Location` header for the new resource.
    func created(at location: String, for request: Request) async throws -> Response {
        let response = try await encodeResponse(status: .created, for: request)
        response.headers.replaceOrAdd(name: .location, value: location)
        return response
    }
}
