import FluentKit
import Foundation
import RapportCore

/// What an admin types into the macro editor.
struct MacroInput: Sendable {
    var title: String
    var body: String
    var setStatus: TicketStatus?
    var setPriority: TicketPriority?
    var setTeamID: Int?
    var assignToUser: Bool = false
    var addTags: String = ""
}

/// A macro filled in for one ticket and one agent, ready to insert into the composer.
struct AppliedMacro: Sendable, Encodable {
    let id: Int
    let title: String
    let body: String
    let setStatus: TicketStatus?
    /// What sending with it changes besides the text: "sets the status to Pending".
    let changes: [String]
}

/// Saving macros, and using them on a ticket.
struct MacroService: Sendable {
    let clock: any WallClock
    let configuration: ConfigurationCache

    static let bodyMaximumLength = 20_000

    /// A shared macro, or with `owner` one of that agent's own.
    func create(_ input: MacroInput, owner: Int? = nil, on database: any Database) async throws -> Int {
        let macro = Macro()
        macro.createdAt = clock.now()
        macro.ownerAgentID = owner
        try await save(input, into: macro, on: database)
        return try macro.requireID
    }

    func update(macroID: Int, with input: MacroInput, on database: any Database) async throws {
        try await save(input, into: try await Self.find(macroID, on: database), on: database)
    }

    func delete(macroID: Int, on database: any Database) async throws {
        try await Self.find(macroID, on: database).delete(on: database)
    }

    static func find(_ macroID: Int, on database: any Database) async throws -> Macro {
        guard let macro = try await Macro.find(macroID, on: database) else {
            throw RapportError.notFound("Macro \(macroID)")
        }
        return macro
    }

    /// The shared macros (no owner), or one agent's own.
    static func owned(by owner: Int?, on database: any Database) async throws -> [Macro] {
        let query = Macro.query(on: database)
        if let owner { query.filter(\.$ownerAgentID == owner) } else { query.filter(\.$ownerAgentID == nil) }
        return try await query.sort(\.$title).all()
    }

    /// What an agent can use in the composer: the shared macros and their own, by title.
    static func usable(by agentID: Int, on database: any Database) async throws -> [Macro] {
        try await Macro.query(on: database).group(.or) {
            $0.filter(\.$ownerAgentID == nil).filter(\.$ownerAgentID == agentID)
        }.sort(\.$title).all()
    }

    /// The macro when the agent may use it; another agent's own macro is "not found".
    static func find(_ macroID: Int, usableBy agentID: Int, on database: any Database) async throws -> Macro {
        let macro = try await find(macroID, on: database)
        guard macro.ownerAgentID == nil || macro.ownerAgentID == agentID else {
            throw RapportError.notFound("Macro \(macroID)")
        }
        return macro
    }

    /// The macro's text with the ticket's and the agent's details filled in.
    func render(macroID: Int, ticketID: Int, agentID: Int, on database: any Database) async throws -> AppliedMacro {
        let macro = try await Self.find(macroID, usableBy: agentID, on: database)
        let values = try await Self.placeholderValues(ticketID: ticketID, agentID: agentID, on: database)
        let directory = try await configuration.current(on: database).directory
        return AppliedMacro(
            id: try macro.requireID, title: macro.title, body: MacroTemplate(macro.body).render(values),
            setStatus: macro.setStatus,
            changes: Self.describeChanges(of: macro, teamName: directory.teamName))
    }

    /// The field changes of a macro in words, in the order the macro editor lists them.
    static func describeChanges(of macro: Macro, teamName: (Int?) -> String?) -> [String] {
        var changes: [String] = []
        if let status = macro.setStatus { changes.append("sets the status to \(status.label)") }
        if let priority = macro.setPriority { changes.append("sets the priority to \(priority.label)") }
        if let team = macro.setTeamID { changes.append("moves the ticket to \(teamName(team) ?? "a team")") }
        if macro.assignToUser { changes.append("assigns the ticket to you") }
        let tags = macro.addTags.split(whereSeparator: { $0 == " " || $0 == "," })
        if !tags.isEmpty {
            changes.append((tags.count == 1 ? "adds the tag " : "adds the tags ") + tags.joined(separator: ", "))
        }
        return changes
    }

    /// "Using macro “Refund”: on send it sets the status to Pending and adds the tag refund."
    static func appliedSentence(title: String, changes: [String]) -> String {
        guard !changes.isEmpty else { return "Using macro “\(title)”: it only fills in the text." }
        let list =
            changes.count == 1
            ? changes[0] : changes.dropLast().joined(separator: ", ") + " and " + changes[changes.count - 1]
        return "Using macro “\(title)”: when you send, it \(list)."
    }

    /// The field changes a macro makes besides its text (status travels with the message).
    func fieldChanges(of macro: Macro, agentID: Int) -> TicketUpdate {
        var update = TicketUpdate()
        update.priority = macro.setPriority
        if let team = macro.setTeamID { update.teamID = .set(team) }
        if macro.assignToUser { update.assigneeID = .set(agentID) }
        update.addTags = macro.addTags.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        return update
    }

    static func placeholderValues(ticketID: Int, agentID: Int, on database: any Database) async throws -> [String:
        String]
    {
        let ticket = try await TicketService.find(ticketID, on: database)
        guard let agent = try await Agent.find(agentID, on: database) else {
            throw RapportError.notFound("Agent \(agentID)")
        }
        let customer = try await Customer.find(ticket.requesterID, on: database)
        let email = try await CustomerEmail.query(on: database).filter(\.$customerID == ticket.requesterID)
            .sort(\.$isPrimary, .descending).sort(\.$id).first()
        let organization =
            try await customer?.organizationID.asyncMap { try await Organization.find($0, on: database) } ?? nil
        return [
            "customer.first_name": customer?.name.firstName ?? "",
            "customer.name": customer?.name ?? "",
            "customer.email": email?.address ?? "",
            "organization.name": organization?.name ?? "",
            "agent.first_name": agent.name.firstName,
            "agent.name": agent.name,
            "agent.signature": agent.signature,
            "ticket.number": String(ticketID),
            "ticket.subject": ticket.subject,
            "ticket.status": ticket.status.rawValue,
        ]
    }

    private func save(_ input: MacroInput, into macro: Macro, on database: any Database) async throws {
        var problems = FieldErrors()
        let title = problems.requiredText(input.title, field: "title", maximumLength: 120)
        if input.body.count > Self.bodyMaximumLength {
            problems.add("body", "must be at most \(Self.bodyMaximumLength) characters")
        }
        let unknown = MacroTemplate(input.body).unknownPlaceholders
        if !unknown.isEmpty {
            let names = unknown.map { "{{\($0)}}" }
            let list =
                names.count == 1
                ? names[0] : names.dropLast().joined(separator: ", ") + " and " + names[names.count - 1]
            problems.add(
                "body",
                "uses \(list), which \(names.count == 1 ? "is not a placeholder" : "are not placeholders") Rapport knows; use the ones listed beside the text"
            )
        }
        if input.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, input.setStatus == nil,
            input.setPriority == nil,
            input.setTeamID == nil, !input.assignToUser, input.addTags.trimmingCharacters(in: .whitespaces).isEmpty
        {
            problems.add("body", "a macro needs text or at least one field to set")
        }
        let (tags, invalid) = TagName.normalize(
            input.addTags.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
        if let bad = invalid.first { problems.add("add_tags", "'\(bad.prefix(60))' is not a valid tag") }
        if input.setStatus == .closed { problems.add("set_status", "a macro cannot close a ticket; use solved") }
        if let team = input.setTeamID, try await Team.find(team, on: database) == nil {
            problems.add("set_team_id", "no team has id \(team)")
        }
        try problems.throwIfAny()
        let sameTitle = Macro.query(on: database).filter(\.$title == title)
        if let owner = macro.ownerAgentID {
            sameTitle.filter(\.$ownerAgentID == owner)
        } else {
            sameTitle.filter(\.$ownerAgentID == nil)
        }
        if let duplicate = try await sameTitle.first(), duplicate.id != macro.id {
            throw RapportError.conflict(
                "A macro called '\(title)' already exists.", fields: ["title": "is already used"])
        }

        macro.title = title
        macro.body = input.body
        macro.setStatus = input.setStatus
        macro.setPriority = input.setPriority
        macro.setTeamID = input.setTeamID
        macro.assignToUser = input.assignToUser
        macro.addTags = tags.joined(separator: " ")
        macro.updatedAt = clock.now()
        try await macro.save(on: database)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
