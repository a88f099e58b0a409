import FluentKit
import Foundation
import RapportCore

/// How the workspace tells customers their answer will be late.
struct SLASettings: Codable, Sendable, Equatable {
    enum DelayNoticeMode: String, Codable, Sendable, CaseIterable, LabelledChoice {
        case off
        /// Prepared for the agent, who sends or dismisses it.
        case draft
        /// Sent to the customer automatically.
        case send

        var label: String {
            switch self {
            case .off: "Off"
            case .draft: "Prepare a draft for the agent"
            case .send: "Send it to the customer automatically"
            }
        }
    }

    static let key = "sla"
    static let defaultDelayNoticeText = """
        Hi {{customer.first_name}},

        Thank you for your patience with your request #{{ticket.number}} ("{{ticket.subject}}"). It is taking us longer than we promised, and we did not want to leave you waiting without news.

        Here is what we can do: a member of our team will get back to you by {{new_time}}.

        {{workspace.name}}
        """

    var delayNoticeMode: DelayNoticeMode = .draft
    /// The share of a response target at which the notice is prepared.
    var delayNoticePercent: Int = 90
    /// How much business time after the missed deadline the new time promises.
    var delayNoticeExtensionMinutes: Int = 240
    var delayNoticeText: String = defaultDelayNoticeText

    var delayNoticeShare: Double? { delayNoticeMode == .off ? nil : Double(delayNoticePercent) / 100 }

    static func load(on db: any Database) async throws -> SLASettings {
        try await WorkspaceSetting.decoded(SLASettings.self, key: key, on: db) ?? SLASettings()
    }

    func save(on db: any Database, now: Date) async throws {
        try await WorkspaceSetting.store(self, key: Self.key, now: now, on: db)
    }
}
