import Fluent
import RapportCore
import Vapor

struct MacroRow: Encodable, Sendable {
    let id: Int
    let title: String
    let preview: String
    let actions: String
}

struct MacroListContext: Encodable, Sendable {
    let page: PageChrome
    let rows: [MacroRow]
    let hasRows: Bool
    /// "/admin/macros" for the shared macros, "/macros" for the agent's own.
    let base: String
    let isShared: Bool
}

struct MacroForm: Codable, Sendable {
    var title: String?
    var body: String?
    var setStatus: String?
    var setPriority: String?
    var setTeam: String?
    var assignToUser: String?
    var addTags: String?

    enum CodingKeys: String, CodingKey {
        case title, body
        case setStatus = "set_status"
        case setPriority = "set_priority"
        case setTeam = "set_team"
        case assignToUser = "assign_to_user"
        case addTags = "add_tags"
    }
}

struct PlaceholderHelp: Encodable, Sendable {
    let name: String
    let meaning: String
}

struct MacroEditContext: Encodable, Sendable {
    let page: PageChrome
    let macroID: Int?
    let form: MacroForm
    let assignToUser: Bool
    let statusOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let teamOptions: [SelectOption]
    let placeholders: [PlaceholderHelp]
    let error: String?
    let base: String
    let isShared: Bool
}

/// Macros in two places: the team's shared ones under Admin → Macros (admins), and each
/// agent's own under "Your macros". The composer offers both.
struct MacroPages: RouteCollection {
    /// Whose macros a page manages.
    enum Scope: Sendable {
        case shared
        case own

        var base: String { self == .shared ? "/admin/macros" : "/macros" }
    }

    func boot(routes: any RoutesBuilder) throws {
        register(routes.grouped("admin", "macros").grouped(RequireAdminPageMiddleware()), scope: .shared)
        register(routes.grouped("macros"), scope: .own)
    }

    private func register(_ routes: any RoutesBuilder, scope: Scope) {
        routes.get { try await list($0, scope: scope) }
        routes.get("new") { try await newMacro($0, scope: scope) }
        routes.post { try await create($0, scope: scope) }
        routes.get(":id") { try await edit($0, scope: scope) }
        routes.post(":id") { try await update($0, scope: scope) }
        routes.post(":id", "delete") { try await delete($0, scope: scope) }
    }

    private func owner(_ req: Request, _ scope: Scope) throws -> Int? { scope == .shared ? nil : try req.agent.id }

    /// The macro, when it belongs to this page's scope; another agent's macro is "not found".
    private func macro(_ req: Request, scope: Scope) async throws -> Macro {
        let id = try req.idParameter("id", naming: "Macro")
        let macro = try await MacroService.find(id, on: req.db)
        guard macro.ownerAgentID == (try owner(req, scope)) else { throw RapportError.notFound("Macro \(id)") }
        return macro
    }

    func list(_ req: Request, scope: Scope) async throws -> Response {
        let macros = try await MacroService.owned(by: try owner(req, scope), on: req.db)
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        let rows = macros.compactMap { macro -> MacroRow? in
            guard let id = macro.id else { return nil }
            let changes = MacroService.describeChanges(of: macro, teamName: directory.teamName)
            return MacroRow(
                id: id, title: macro.title, preview: TextPreview.excerpt(macro.body, maximumLength: 140),
                actions: changes.joined(separator: "; ").capitalizedFirst)
        }
        let context = MacroListContext(
            page: try req.chrome(
                title: scope == .shared ? "Macros" : "Your macros", section: scope == .shared ? "admin" : "macros"),
            rows: rows, hasRows: !rows.isEmpty, base: scope.base, isShared: scope == .shared)
        return try await req.page("macros", context)
    }

    func newMacro(_ req: Request, scope: Scope) async throws -> Response {
        try await renderEditor(
            req, scope: scope, macroID: nil,
            form: MacroForm(body: "Hi {{customer.first_name}},\n\n\n\nBest regards,\n{{agent.first_name}}"), error: nil)
    }

    func edit(_ req: Request, scope: Scope) async throws -> Response {
        let macro = try await macro(req, scope: scope)
        let form = MacroForm(
            title: macro.title, body: macro.body, setStatus: macro.setStatus?.rawValue,
            setPriority: macro.setPriority?.rawValue,
            setTeam: macro.setTeamID.map(String.init), assignToUser: macro.assignToUser ? "true" : nil,
            addTags: macro.addTags
        )
        return try await renderEditor(req, scope: scope, macroID: try macro.requireID, form: form, error: nil)
    }

    func create(_ req: Request, scope: Scope) async throws -> Response {
        let form = try req.content.decode(MacroForm.self)
        do {
            _ = try await req.rapport.macros.create(try Self.input(form), owner: try owner(req, scope), on: req.db)
            return req.redirect(to: scope.base, notice: .macroSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderEditor(
                req, scope: scope, macroID: nil, form: form, error: FormErrorWording.sentence(error),
                status: .unprocessableEntity)
        }
    }

    func update(_ req: Request, scope: Scope) async throws -> Response {
        let macro = try await macro(req, scope: scope)
        let form = try req.content.decode(MacroForm.self)
        do {
            try await req.rapport.macros.update(macroID: try macro.requireID, with: try Self.input(form), on: req.db)
            return req.redirect(to: scope.base, notice: .macroSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderEditor(
                req, scope: scope, macroID: try macro.requireID, form: form, error: FormErrorWording.sentence(error),
                status: .unprocessableEntity)
        }
    }

    func delete(_ req: Request, scope: Scope) async throws -> Response {
        let macro = try await macro(req, scope: scope)
        try await req.rapport.macros.delete(macroID: try macro.requireID, on: req.db)
        return req.redirect(to: scope.base, notice: .macroDeleted)
    }

    private static func input(_ form: MacroForm) throws -> MacroInput {
        var teamID: Int?
        if case .set(let team) = try WebForm.reference(form.setTeam, field: "set_team") { teamID = team }
        return MacroInput(
            title: form.title ?? "", body: (form.body ?? "").withUnixLineEnds,
            setStatus: try WebForm.optionalChoice(form.setStatus, TicketStatus.self, field: "set_status"),
            setPriority: try WebForm.optionalChoice(form.setPriority, TicketPriority.self, field: "set_priority"),
            setTeamID: teamID, assignToUser: form.assignToUser == "true", addTags: form.addTags ?? ""
        )
    }

    private func renderEditor(
        _ req: Request, scope: Scope, macroID: Int?, form: MacroForm, error: String?, status: HTTPStatus = .ok
    ) async throws -> Response {
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        let title = macroID == nil ? (scope == .shared ? "New macro" : "New macro of your own") : "Edit macro"
        let context = MacroEditContext(
            page: try req.chrome(title: title, section: scope == .shared ? "admin" : "macros"),
            macroID: macroID, form: form, assignToUser: form.assignToUser == "true",
            statusOptions: [SelectOption(value: "", label: "Leave status", selected: (form.setStatus ?? "").isEmpty)]
                + SelectOption.choices(
                    [TicketStatus.open, .pending, .solved],
                    selected: form.setStatus.flatMap(TicketStatus.init(rawValue:))),
            priorityOptions: [
                SelectOption(value: "", label: "Leave priority", selected: (form.setPriority ?? "").isEmpty)
            ]
                + SelectOption.choices(
                    TicketPriority.allCases, selected: form.setPriority.flatMap(TicketPriority.init(rawValue:))),
            teamOptions: [SelectOption(value: "", label: "Leave team", selected: (form.setTeam ?? "").isEmpty)]
                + directory.teams.map {
                    SelectOption(value: String($0.id), label: $0.name, selected: String($0.id) == form.setTeam)
                },
            placeholders: MacroTemplate.placeholders.map {
                PlaceholderHelp(name: "{{\($0.name)}}", meaning: $0.meaning)
            },
            error: error, base: scope.base, isShared: scope == .shared
        )
        return try await req.page("macro-edit", context, status: status)
    }
}
