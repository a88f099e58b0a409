import Foundation
import RapportCore

/// A file sent with a message. An image with a `contentID` is shown inline in the HTML part
/// (`<img src="cid:…">`, RFC 2392); every other file is an ordinary attachment.
public struct OutgoingAttachment: Sendable {
    public var filename: String
    public var contentType: String
    public var data: Data
    /// Without angle brackets; set for images the HTML part shows.
    public var contentID: String?

    public init(filename: String, contentType: String, data: Data, contentID: String? = nil) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
        self.contentID = contentID
    }

    /// Whether a mail reader can show this type inline in an HTML message.
    public static func isInlineImage(_ contentType: String) -> Bool {
        ["image/png", "image/jpeg", "image/gif", "image/webp"].contains(contentType.lowercased())
    }
}

/// A message Rapport sends: rendered as RFC 5322 with a text part and an HTML part
/// (multipart/alternative), CRLF line ends, encoded words for non-ASCII headers and
/// quoted-printable bodies, so it passes any 7-bit relay. With files the alternative sits in a
/// multipart/related beside the inline images, inside a multipart/mixed with the attachments.
public struct OutgoingEmail: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress] = []
    public var replyTo: MailAddress?
    public var subject: String
    /// Without angle brackets.
    public var messageID: String
    public var inReplyTo: String?
    public var references: [String] = []
    public var date: Date
    public var text: String
    /// Set for automatic messages: `auto-replied` for acknowledgements (RFC 3834).
    public var autoSubmitted: String?
    public var extraHeaders: [(String, String)] = []
    public var attachments: [OutgoingAttachment] = []

    public init(from: MailAddress, to: [MailAddress], subject: String, messageID: String, date: Date, text: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
    }

    /// A new globally unique Message-ID at `domain`, naming the ticket so that it is easy to
    /// recognise in a mail log.
    public static func newMessageID(ticket: Int, domain: String) -> String {
        var random = SystemRandomNumberGenerator()
        let token = String(UInt64.random(in: 0...UInt64.max, using: &random), radix: 36)
        return "rapport.\(ticket).\(token)@\(domain)"
    }

    public func render() -> [UInt8] {
        var lines: [String] = []
        func header(_ name: String, _ value: String) { lines.append(Self.folded(name + ": " + value)) }
        header("Date", Self.rfc5322Date(date))
        header("From", from.headerValue)
        header("To", to.map(\.headerValue).joined(separator: ", "))
        if !cc.isEmpty { header("Cc", cc.map(\.headerValue).joined(separator: ", ")) }
        if let replyTo { header("Reply-To", replyTo.headerValue) }
        header("Subject", EncodedWords.encodeIfNeeded(subject))
        header("Message-ID", "<\(messageID)>")
        if let inReplyTo { header("In-Reply-To", "<\(inReplyTo)>") }
        if !references.isEmpty { header("References", references.map { "<\($0)>" }.joined(separator: " ")) }
        if let autoSubmitted {
            header("Auto-Submitted", autoSubmitted)
            header("X-Auto-Response-Suppress", "All")  // asks Exchange not to answer with out-of-office
        }
        for (name, value) in extraHeaders { header(name, value) }
        header("MIME-Version", "1.0")
        let inline = attachments.filter { $0.contentID != nil }
        let files = attachments.filter { $0.contentID == nil }
        var body = MIMEWriter()
        let alternative = body.boundary("alt")
        let alternativeParts = [
            MIMEWriter.Part(
                headers: ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                body: TransferEncoding.encodeQuotedPrintable(text)),
            MIMEWriter.Part(
                headers: ["Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"],
                body: TransferEncoding.encodeQuotedPrintable(Self.html(for: text, inlineImages: inline))),
        ]
        var top = MIMEWriter.Part.multipart("alternative", boundary: alternative, parts: alternativeParts)
        if !inline.isEmpty {
            top = .multipart("related", boundary: body.boundary("rel"), parts: [top] + inline.map(Self.part(for:)))
        }
        if !files.isEmpty {
            top = .multipart("mixed", boundary: body.boundary("mix"), parts: [top] + files.map(Self.part(for:)))
        }
        lines += top.headers.map(Self.folded)
        lines.append("")
        lines.append(top.body)
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// A file as a base64 part: inline with its Content-ID, or an attachment.
    static func part(for file: OutgoingAttachment) -> MIMEWriter.Part {
        let name = MIMEWriter.parameter("filename", file.filename)
        var headers = [
            "Content-Type: \(file.contentType); " + MIMEWriter.parameter("name", file.filename),
            "Content-Transfer-Encoding: base64",
        ]
        if let contentID = file.contentID {
            headers.append("Content-ID: <\(contentID)>")
            headers.append("Content-Disposition: inline; \(name)")
        } else {
            headers.append("Content-Disposition: attachment; \(name)")
        }
        return MIMEWriter.Part(headers: headers, body: TransferEncoding.encodeBase64Lines(file.data))
    }

    /// The text as simple HTML: escaped, paragraphs at blank lines, line breaks kept,
    /// quoted lines as a blockquote-like grey block.
    static func html(for text: String, inlineImages: [OutgoingAttachment] = []) -> String {
        let paragraphs = text.withUnixLineEnds.components(separatedBy: "\n\n")
        let paragraphsHTML = paragraphs.map { paragraph -> String in
            let escaped = paragraph.split(separator: "\n", omittingEmptySubsequences: false).map {
                LinkedText.html(String($0))
            }.joined(separator: "<br>\n")
            return "<p>\(escaped)</p>"
        }.joined(separator: "\n")
        let images = inlineImages.compactMap { image in
            image.contentID.map {
                "<p><img src=\"cid:\(HTMLEscaping.escape($0))\" alt=\"\(HTMLEscaping.escape(image.filename))\" style=\"max-width: 100%\"></p>"
            }
        }
        let body = ([paragraphsHTML] + images).joined(separator: "\n")
        return
            "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif; font-size: 15px; line-height: 1.5\">\n\(body)\n</body></html>"
    }

    /// Folds a header line at blanks so no line is longer than 78 characters where possible.
    static func folded(_ line: String) -> String {
        guard line.count > 78 else { return line }
        var result = ""
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if !current.isEmpty, current.count + 1 + word.count > 76 {
                result += current + "\r\n"
                current = " " + word
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        return result + current
    }

    public static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
