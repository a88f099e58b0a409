import Foundation

/// What Rapport understood of one raw message, as `rapport mail parse` prints it: the fields an
/// admin needs to debug a message and a test needs to compare the parser with others.
public struct MailParseReport: Codable, Sendable, Equatable {
    public var subject: String?
    public var from: [MailAddress]
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var replyTo: [MailAddress]
    public var date: String?
    public var messageID: String?
    public var inReplyTo: [String]
    public var references: [String]
    public var parts: [MailPartSummary]
    public var text: String
    public var hasHTML: Bool
    public var classification: MailClassification
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case subject, from, to, cc
        case replyTo = "reply_to"
        case date
        case messageID = "message_id"
        case inReplyTo = "in_reply_to"
        case references
        case parts, text
        case hasHTML = "has_html"
        case classification, warnings
    }

    public init(_ message: ParsedEmail) {
        subject = message.subject
        from = message.from
        to = message.to
        cc = message.cc
        replyTo = message.replyTo
        date = message.date?.iso8601
        messageID = message.messageID
        inReplyTo = message.inReplyTo
        references = message.references
        parts = message.parts
        text = message.text
        hasHTML = message.html != nil
        classification = MailClassification.classify(message)
        warnings = message.warnings
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subject, forKey: .subject)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(cc, forKey: .cc)
        try container.encode(replyTo, forKey: .replyTo)
        try container.encode(date, forKey: .date)
        try container.encode(messageID, forKey: .messageID)
        try container.encode(inReplyTo, forKey: .inReplyTo)
        try container.encode(references, forKey: .references)
        try container.encode(parts, forKey: .parts)
        try container.encode(text, forKey: .text)
        try container.encode(hasHTML, forKey: .hasHTML)
        try container.encode(classification, forKey: .classification)
        try container.encode(warnings, forKey: .warnings)
    }

    public func json(pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
