import Foundation
import RapportCore
import Testing
import Vapor
import VaporTesting

@testable import RapportServer

/// A browser stand-in for HTTP-level workspace tests: keeps cookies, signs in through the real
/// form, and sends the page's CSRF token with forms unless told not to.
final class WebClient: @unchecked Sendable {
    let app: Application
    private(set) var cookies: [String: String] = [:]
    private(set) var csrfToken: String?
    var extraHeaders = HTTPHeaders()

    init(app: Application) { self.app = app }

    struct Page {
        let status: HTTPResponseStatus
        let headers: HTTPHeaders
        let body: String
        var location: String? { headers.first(name: .location) }
    }

    @discardableResult
    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> Page {
        try await send(.GET, path, headers: headers, body: nil)
    }

    /// Posts a URL-encoded form; `csrf: .page` adds the token seen on the last page.
    @discardableResult
    func post(_ path: String, form: [(String, String)] = [], csrf: CSRFChoice = .page, headers: HTTPHeaders = [:])
        async throws -> Page
    {
        var fields = form
        switch csrf {
        case .page: if let csrfToken { fields.append(("_csrf", csrfToken)) }
        case .none: break
        case .value(let token): fields.append(("_csrf", token))
        }
        var allHeaders = headers
        allHeaders.contentType = .urlEncodedForm
        let encoded = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.POST, path, headers: allHeaders, body: ByteBuffer(string: encoded))
    }

    func postMultipart(
        _ path: String, fields: [(String, String)],
        files: [(field: String, filename: String, contentType: String, data: String)]
    ) async throws -> Page {
        try await postMultipart(
            path, fields: fields, binaryFiles: files.map { ($0.field, $0.filename, $0.contentType, Data($0.data.utf8)) }
        )
    }

    func postMultipart(
        _ path: String, fields: [(String, String)],
        binaryFiles files: [(field: String, filename: String, contentType: String, data: Data)]
    ) async throws -> Page {
        let boundary = "----rapport-test-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in fields + (csrfToken.map { [("_csrf", $0)] } ?? []) {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.filename)\"\r\nContent-Type: \(file.contentType)\r\n\r\n"
                    .utf8)
            body += file.data
            body += Data("\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await send(.POST, path, headers: headers, body: ByteBuffer(bytes: Array(body)))
    }

    /// The raw bytes of a response (a download).
    func download(_ path: String) async throws -> (status: HTTPResponseStatus, headers: HTTPHeaders, data: Data) {
        var headers = HTTPHeaders()
        if !cookies.isEmpty {
            headers.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let response = try await app.testing().sendRequest(.GET, path, headers: headers)
        return (response.status, response.headers, Data(response.body.readableBytesView))
    }

    enum CSRFChoice {
        case page, none
        case value(String)
    }

    /// Signs in through the form and lands on the inbox.
    func signIn(email: String, password: String = "correct horse battery") async throws {
        try await get("/sign-in")
        let page = try await post("/sign-in", form: [("email", email), ("password", password)])
        guard page.status == .seeOther, cookies[WebSessionAuthenticator.cookieName] != nil else {
            throw RapportMessageError("signing in as \(email) failed: \(page.status) \(page.body.prefix(500))")
        }
        try await get("/inbox")
    }

    /// Signs out with the button every page has (so with that page's token).
    func signOut() async throws {
        try await get("/inbox")
        let page = try await post("/sign-out")
        guard page.location?.hasPrefix("/sign-in") == true else {
            throw RapportMessageError("signing out failed: \(page.status)")
        }
    }

    private func send(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: ByteBuffer?) async throws
        -> Page
    {
        var allHeaders = headers
        for (name, value) in extraHeaders { allHeaders.replaceOrAdd(name: name, value: value) }
        if !cookies.isEmpty {
            allHeaders.replaceOrAdd(
                name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let response = try await app.testing().sendRequest(method, path, headers: allHeaders, body: body)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            guard let name = pair.first.map(String.init) else { continue }
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let text = response.body.string
        if let token = Self.firstCSRFToken(in: text) { csrfToken = token }
        return Page(status: response.status, headers: response.headers, body: text)
    }

    static func firstCSRFToken(in html: String) -> String? {
        guard let match = html.firstMatch(of: /name="_csrf" value="([^"]+)"/) else { return nil }
        return String(match.1)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? ""
    }
}
