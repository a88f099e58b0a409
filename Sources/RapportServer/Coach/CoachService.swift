import Foundation
import RapportCore

/// The reply coach and the mood reader, built once from the built-in English rules and, when the
/// data directory has a `coach.json`, the workspace's own additions and switches laid over them.
struct CoachService: Sendable {
    let coach: ReplyCoach
    let moods: MoodReader
    let priorityRule: MoodPriorityRule

    static let workspaceRulesFile = "coach.json"
    /// The longest draft or customer message the coach reads on request.
    static let maximumTextLength = 50_000

    init(dataDirectory: URL, priorityRule: MoodPriorityRule) throws {
        var rules = try CoachRuleSet.builtIn(language: "en")
        let workspaceFile = dataDirectory.appendingPathComponent(Self.workspaceRulesFile)
        if FileManager.default.fileExists(atPath: workspaceFile.path) {
            let extra = try CoachRuleSet.load(from: workspaceFile)
            if let (rule, patterns) = extra.invalidPatterns.first {
                throw RapportMessageError(
                    "\(workspaceFile.path): the rule '\(rule)' has patterns that are not valid regular expressions: \(patterns.joined(separator: ", ")). Fix or remove them."
                )
            }
            rules = rules.merged(with: extra)
        }
        coach = ReplyCoach(ruleSet: rules)
        moods = MoodReader(ruleSet: rules)
        self.priorityRule = priorityRule
    }
}

/// How the mood of a customer's message moves the ticket's priority. Priority only ever goes up.
public struct MoodPriorityRule: Sendable, Equatable {
    public var whenUpset: TicketPriority?
    public var whenUrgent: TicketPriority?

    public init(whenUpset: TicketPriority? = .high, whenUrgent: TicketPriority? = .urgent) {
        self.whenUpset = whenUpset
        self.whenUrgent = whenUrgent
    }

    /// Reads "upset=high,urgent=urgent" (or "off"); a part left out keeps its default.
    public init(parsing text: String) throws {
        self.init()
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "off" || trimmed == "none" {
            self = MoodPriorityRule(whenUpset: nil, whenUrgent: nil)
            return
        }
        for part in trimmed.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else {
                throw RapportMessageError("RAPPORT_MOOD_PRIORITY: '\(part)' should look like upset=high")
            }
            let priority: TicketPriority?
            if pair[1] == "off" || pair[1] == "none" {
                priority = nil
            } else {
                guard let value = TicketPriority(rawValue: pair[1]) else {
                    throw RapportMessageError(
                        "RAPPORT_MOOD_PRIORITY: '\(pair[1])' is not a priority (low, normal, high, urgent, or off)")
                }
                priority = value
            }
            switch pair[0] {
            case "upset": whenUpset = priority
            case "urgent": whenUrgent = priority
            default: throw RapportMessageError("RAPPORT_MOOD_PRIORITY: '\(pair[0])' is not a mood; use upset or urgent")
            }
        }
    }

    /// The priority a ticket should have after a message with this mood.
    func priority(after mood: InboundMood, current: TicketPriority) -> TicketPriority {
        var result = current
        if mood.upset, let raised = whenUpset, raised > result { result = raised }
        if mood.urgent, let raised = whenUrgent, raised > result { result = raised }
        return result
    }
}
