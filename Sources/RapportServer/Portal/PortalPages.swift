import Fluent
import RapportCore
import Vapor

/// A signed-in portal customer, for this request.
struct PortalVisitor: Sendable {
    let session: PortalSession
    let customer: Customer
}

extension Request {
    private struct PortalKey: StorageKey { typealias Value = PortalVisitor? }

    /// The customer signed in to the portal on this request, if any (looked up once).
    func portalCustomer() async throws -> PortalVisitor? {
        if let cached = storage[PortalKey.self] { return cached }
        var visitor: PortalVisitor?
        if let token = cookies[PortalPages.cookieName]?.string,
            let session = try await rapport.portalAuth.session(token: token, on: db),
            let customer = try await Customer.find(session.customerID, on: db)
        {
            visitor = PortalVisitor(session: session, customer: customer)
        }
        storage[PortalKey.self] = .some(visitor)
        return visitor
    }

    /// The signed-in portal customer, or a redirect to the portal's sign-in page.
    func requirePortalCustomer() async throws -> PortalVisitor {
        guard let visitor = try await portalCustomer() else { throw PortalSignInRequired() }
        return visitor
    }
}

struct PortalSignInRequired: Error {}

/// Sends portal visitors without a session to the sign-in page.
struct PortalSignInMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do { return try await next.respond(to: request) } catch is PortalSignInRequired {
            return request.redirect(to: "/portal/sign-in", redirectType: .normal)
        }
    }
}

/// The customer portal: sign-in by emailed link, "My requests", the public conversation,
/// replying and marking a request solved.
struct PortalPages: RouteCollection {
    static let cookieName = "rapport_portal"

    func boot(routes: any RoutesBuilder) throws {
        let portal = routes.grouped("portal").grouped(PortalSignInMiddleware())
        portal.get { req async throws -> Response in
            try await req.portalCustomer() == nil
                ? req.redirect(to: "/portal/sign-in") : req.redirect(to: "/portal/requests")
        }
        portal.get("sign-in", use: signInForm)
        portal.post("sign-in", use: requestLink)
        portal.get("auth", use: confirmLink)
        portal.post("auth", use: redeemLink)
        portal.post("sign-out", use: signOut)
        portal.get("requests", use: requests)
        portal.get("requests", ":number", use: request)
        portal.post("requests", ":number", "replies", use: reply)
        portal.post("requests", ":number", "solve", use: solve)
        portal.get("files", ":id", use: download)
    }

    // MARK: Signing in

    struct SignInContext: Encodable {
        let help: HelpChrome
        let email: String
        let sent: Bool
        let problem: String?
    }

    func signInForm(req: Request) async throws -> Response {
        if try await req.portalCustomer() != nil { return req.redirect(to: "/portal/requests") }
        return try await req.helpPage(
            "portal-sign-in",
            SignInContext(help: try await req.helpChrome(title: "Sign in"), email: "", sent: false, problem: nil))
    }

    struct LinkForm: Decodable {
        var email: String?
        var visit: String?
        var website: String?
    }

    /// `POST /portal/sign-in` — always the same page, whether or not the address is known.
    func requestLink(req: Request) async throws -> Response {
        let form = try req.content.decode(LinkForm.self)
        _ = try HelpVisitor.check(req, submitted: form.visit)
        let email = String((form.email ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(254))
        if (form.website ?? "").isEmpty,
            try await req.rapport.sharedLimits.allow(
                "portal-link", from: HelpVisitor.address(req), limit: 10, per: 3600, on: req.db)
        {
            try await req.rapport.portalAuth.requestLink(
                email: email, portalURL: req.rapport.settings.publicURL, on: req.db)
        }
        return try await req.helpPage(
            "portal-sign-in",
            SignInContext(
                help: try await req.helpChrome(title: "Check your email"), email: email, sent: true, problem: nil))
    }

    struct ConfirmContext: Encodable {
        let help: HelpChrome
        let token: String
    }

    /// `GET /portal/auth?token=` — a button that signs in; opening the link alone (as mail
    /// scanners do) does not use it up.
    func confirmLink(req: Request) async throws -> Response {
        let token = String((req.queryString("token") ?? "").prefix(200))
        return try await req.helpPage(
            "portal-auth", ConfirmContext(help: try await req.helpChrome(title: "Sign in"), token: token))
    }

    struct RedeemForm: Decodable {
        var token: String?
        var visit: String?
    }

    func redeemLink(req: Request) async throws -> Response {
        let form = try req.content.decode(RedeemForm.self)
        _ = try HelpVisitor.check(req, submitted: form.visit)
        guard
            try await req.rapport.sharedLimits.allow(
                "portal-redeem", from: HelpVisitor.address(req), limit: 20, per: 600, on: req.db),
            let started = try await req.rapport.portalAuth.redeem(form.token ?? "", on: req.db)
        else {
            return try await req.helpPage(
                "portal-sign-in",
                SignInContext(
                    help: try await req.helpChrome(title: "Sign in"), email: "", sent: false,
                    problem:
                        "That sign-in link has expired or was already used. Ask for a new one below; it arrives in a minute."
                ), status: .unauthorized)
        }
        let response = req.redirect(to: "/portal/requests", redirectType: .normal)
        response.cookies[Self.cookieName] = HTTPCookies.Value(
            string: started.token, maxAge: Int(PortalAuthService.sessionLifetime), path: "/",
            isSecure: req.isSecureConnection, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    struct CSRFForm: Decodable {
        var csrf: String?
        var body: String?
        enum CodingKeys: String, CodingKey {
            case csrf = "_csrf"
            case body
        }
    }

    private func checkCSRF(_ req: Request, _ visitor: PortalVisitor) throws -> CSRFForm {
        let form = (try? req.content.decode(CSRFForm.self)) ?? CSRFForm()
        guard let token = form.csrf, token == visitor.session.csrfToken else {
            throw RapportError(
                .forbidden, code: "form_expired",
                reason: "This form has expired. Go back, reload the page and send it again.")
        }
        return form
    }

    func signOut(req: Request) async throws -> Response {
        let visitor = try await req.requirePortalCustomer()
        _ = try checkCSRF(req, visitor)
        try await req.rapport.portalAuth.end(visitor.session, on: req.db)
        let response = req.redirect(to: "/help", redirectType: .normal)
        response.cookies[Self.cookieName] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
            isSecure: req.isSecureConnection, isHTTPOnly: true, sameSite: .lax)
        return response
    }

    // MARK: Requests

    struct RequestRow: Encodable {
        let number: Int
        let subject: String
        let status: String
        let statusLabel: String
        let updated: String
        let requesterName: String
        let isOwn: Bool
    }

    struct RequestsContext: Encodable {
        let help: HelpChrome
        let rows: [RequestRow]
        let hasRows: Bool
        let seesOrganization: Bool
    }

    func requests(req: Request) async throws -> Response {
        let visitor = try await req.requirePortalCustomer()
        let now = req.rapport.clock.now()
        let tickets = try await req.rapport.portal.requests(for: visitor.customer, on: req.db)
        let ownID = try visitor.customer.requireID
        let rows = tickets.map { ticket in
            RequestRow(
                number: ticket.number, subject: ticket.subject, status: ticket.status.rawValue,
                statusLabel: Self.customerStatus(ticket.status),
                updated: PageDates.relative(ticket.updatedAt, now: now), requesterName: ticket.requester.name,
                isOwn: ticket.requester.id == ownID)
        }
        let context = RequestsContext(
            help: try await req.helpChrome(title: "My requests"), rows: rows, hasRows: !rows.isEmpty,
            seesOrganization: visitor.customer.isOrgManager && visitor.customer.organizationID != nil)
        return try await req.helpPage("portal-requests", context)
    }

    struct MessageView: Encodable {
        let authorName: String
        let fromCustomer: Bool
        /// The text as HTML: escaped, with web addresses as links.
        let bodyHTML: String
        let when: String
        let files: [FileLink]
        let hasFiles: Bool
    }

    struct FileLink: Encodable {
        let filename: String
        let url: String
        let size: String
    }

    struct RequestContext: Encodable {
        let help: HelpChrome
        let number: Int
        let subject: String
        let status: String
        let statusLabel: String
        let messages: [MessageView]
        let canReply: Bool
        let canSolve: Bool
        let problem: String?
        let draft: String
    }

    func request(req: Request) async throws -> Response {
        try await renderRequest(req, number: try req.idParameter("number", naming: "Request"), problem: nil, draft: "")
    }

    private func renderRequest(_ req: Request, number: Int, problem: String?, draft: String, status: HTTPStatus = .ok)
        async throws -> Response
    {
        let visitor = try await req.requirePortalCustomer()
        let ticket = try await req.rapport.portal.visibleTicket(number, for: visitor.customer, on: req.db)
        let messages = try await req.rapport.portal.conversation(ticketID: number, on: req.db)
        let context = RequestContext(
            help: try await req.helpChrome(
                title: "#\(number) \(ticket.subject)", notice: req.queryString("notice").flatMap(Self.notice)),
            number: number, subject: ticket.subject, status: ticket.status.rawValue,
            statusLabel: Self.customerStatus(ticket.status),
            messages: messages.map { message in
                MessageView(
                    authorName: message.authorName, fromCustomer: message.fromCustomer,
                    bodyHTML: LinkedText.html(message.body),
                    when: PageDates.full(message.createdAt),
                    files: message.attachments.map {
                        FileLink(filename: $0.filename, url: "/portal/files/\($0.id)", size: FileSize.text($0.size))
                    },
                    hasFiles: !message.attachments.isEmpty)
            },
            canReply: ticket.status != .closed, canSolve: ticket.status.isUnresolved, problem: problem, draft: draft
        )
        return try await req.helpPage("portal-request", context, status: status)
    }

    func reply(req: Request) async throws -> Response {
        let visitor = try await req.requirePortalCustomer()
        let number = try req.idParameter("number", naming: "Request")
        let form = try checkCSRF(req, visitor)
        let body = (form.body ?? "").withUnixLineEnds
        do {
            try await req.rapport.portal.reply(body, toTicket: number, by: visitor.customer, on: req.db)
        } catch let error as RapportError where error.isFormProblem || error.status == .conflict {
            return try await renderRequest(
                req, number: number, problem: FormErrorWording.sentence(error), draft: body, status: error.status)
        }
        return req.redirect(to: "/portal/requests/\(number)?notice=sent", redirectType: .normal)
    }

    /// `GET /portal/files/:id` — a file from the public conversation of a request the customer
    /// may see; anything else is "not found".
    func download(req: Request) async throws -> Response {
        let visitor = try await req.requirePortalCustomer()
        let attachment = try await req.rapport.portal.visibleAttachment(
            try req.idParameter("id", naming: "File"), for: visitor.customer, on: req.db)
        return try await req.rapport.attachments.download(attachment, for: req)
    }

    func solve(req: Request) async throws -> Response {
        let visitor = try await req.requirePortalCustomer()
        let number = try req.idParameter("number", naming: "Request")
        _ = try checkCSRF(req, visitor)
        try await req.rapport.portal.markSolved(number, by: visitor.customer, on: req.db)
        return req.redirect(to: "/portal/requests/\(number)?notice=solved", redirectType: .normal)
    }

    static func customerStatus(_ status: TicketStatus) -> String {
        switch status {
        case .new, .open: "Open: we are on it"
        case .pending: "Waiting for your reply"
        case .solved: "Solved"
        case .closed: "Closed"
        }
    }

    static func notice(_ raw: String) -> String? {
        switch raw {
        case "sent": "Your reply was added. We will get back to you here and by email."
        case "solved": "Marked as solved. Reply here if anything else comes up."
        default: nil
        }
    }
}
