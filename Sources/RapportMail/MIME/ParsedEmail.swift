import Foundation

/// A file carried by a message: an attachment, an inline image, or a part that is neither the
/// text nor the HTML body (kept so that nothing the sender wrote is lost).
public struct MailAttachment: Sendable {
    public let filename: String
    public let contentType: String
    public let data: Data
    public let contentID: String?
    public let isInline: Bool
}

/// What one part looked like, for `rapport mail parse` and for debugging.
public struct MailPartSummary: Sendable, Codable, Equatable {
    public let contentType: String
    public let charset: String?
    public let filename: String?
    public let size: Int
    public let depth: Int

    enum CodingKeys: String, CodingKey {
        case contentType = "content_type"
        case charset, filename, size, depth
    }
}

/// Everything Rapport reads from one raw message. Parsing never fails; what could not be
/// understood is described in `warnings`.
public struct ParsedEmail: Sendable {
    /// How much of an HTML-only body is turned into text.
    public static let longestHTMLReadAsText = 1_048_576
    public let headers: MailHeaders
    public let root: MIMEPart
    public let subject: String?
    public let from: [MailAddress]
    public let to: [MailAddress]
    public let cc: [MailAddress]
    public let replyTo: [MailAddress]
    public let date: MailDate?
    public let messageID: String?
    public let inReplyTo: [String]
    public let references: [String]
    /// The text Rapport stores: the plain-text body, or the HTML body read as text.
    public let text: String
    /// The HTML body as sent, kept for reference (never rendered as HTML for agents).
    public let html: String?
    public let attachments: [MailAttachment]
    public let parts: [MailPartSummary]
    public let warnings: [String]
    /// The size of the raw message in bytes.
    public let size: Int

    /// The sender Rapport answers: Reply-To when given, else From.
    public var replyAddress: MailAddress? { replyTo.first ?? from.first }

    public init(_ data: Data) { self.init(bytes: Array(data)) }

    public init(bytes: [UInt8]) {
        var warnings: [String] = []
        if bytes.isEmpty { warnings.append("the message is empty") }
        let root = MIMEParser.parse(bytes, warnings: &warnings)
        self.root = root
        headers = root.headers
        size = bytes.count
        subject = headers["Subject"].map { EncodedWords.decode($0) }
        from = headers["From"].map(MailAddressList.parse) ?? []
        to = headers.all("To").flatMap(MailAddressList.parse)
        cc = headers.all("Cc").flatMap(MailAddressList.parse)
        replyTo = headers["Reply-To"].map(MailAddressList.parse) ?? []
        date = MailDate.parse(headers["Date"])
        if headers["Date"] != nil, date == nil {
            warnings.append("the Date header '\(headers["Date"]!.prefix(60))' could not be read")
        }
        messageID = MessageIDList.parse(headers["Message-ID"]).first
        inReplyTo = MessageIDList.parse(headers["In-Reply-To"])
        references = MessageIDList.parse(headers["References"])
        if headers["From"] == nil {
            warnings.append("the message has no From header")
        } else if from.isEmpty {
            warnings.append("the From header '\(headers["From"]!.prefix(80))' holds no address")
        }

        let plainPart = BodyChooser.body(of: root, preferring: ["plain", "html"])
        let htmlPart = BodyChooser.body(of: root, preferring: ["html"])
        var bodyText = ""
        var htmlText: String?
        if let htmlPart {
            let decoded = htmlPart.part.text()
            htmlText = decoded.text
            if let problem = decoded.problem { warnings.append("HTML body: \(problem)") }
        }
        if let plainPart, plainPart.part.contentType.subtype == "plain" {
            let decoded = plainPart.part.text()
            bodyText = decoded.text
            if let problem = decoded.problem { warnings.append("text body: \(problem)") }
        } else if let htmlText {
            if htmlText.utf8.count > Self.longestHTMLReadAsText {
                // The text of the first megabyte is more than a ticket message holds; reading all of a
                // 40 MB HTML body would take seconds. The whole body stays in the original.
                let cut = htmlText.utf8.prefix(Self.longestHTMLReadAsText)
                bodyText = HTMLText.plainText(String(decoding: cut, as: UTF8.self))
                warnings.append(
                    "HTML body: \(htmlText.utf8.count / 1_048_576) MB; only the text of its first \(Self.longestHTMLReadAsText / 1_048_576) MB was read"
                )
            } else {
                bodyText = HTMLText.plainText(htmlText)
            }
        }
        html = htmlText
        text = bodyText

        let used = Set([plainPart?.path, htmlPart?.path].compactMap { $0 })
        var files: [MailAttachment] = []
        var summaries: [MailPartSummary] = []
        Self.collect(root, path: [], depth: 0, used: used, files: &files, summaries: &summaries)
        attachments = files
        parts = summaries
        self.warnings = warnings
    }

    private static func collect(
        _ part: MIMEPart, path: [Int], depth: Int, used: Set<[Int]>, files: inout [MailAttachment],
        summaries: inout [MailPartSummary]
    ) {
        summaries.append(
            MailPartSummary(
                contentType: part.contentType.value,
                charset: part.contentType.type == "text"
                    ? (part.charset ?? "us-ascii").lowercased() : part.charset?.lowercased(),
                filename: part.filename, size: part.content.count, depth: depth
            ))
        if part.isMultipart {
            for (index, child) in part.children.enumerated() {
                collect(child, path: path + [index], depth: depth + 1, used: used, files: &files, summaries: &summaries)
            }
            return
        }
        guard !used.contains(path) else { return }
        if part.content.isEmpty, part.filename == nil { return }
        let number = files.count + 1
        let filename =
            part.filename.map(sanitizedFilename) ?? "part-\(number).\(fileExtension(for: part.contentType.value))"
        files.append(
            MailAttachment(
                filename: filename, contentType: part.contentType.value, data: Data(part.content),
                contentID: part.contentID,
                isInline: part.disposition?.value == "inline" || (part.contentID != nil && !part.isAttachment)
            ))
    }

    /// A name safe to store and offer for download: no directories, no control characters.
    public static func sanitizedFilename(_ raw: String) -> String {
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? raw
        let clean = String(base.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init))
            .trimmingCharacters(in: .whitespaces)
        let name = clean.isEmpty || clean == "." || clean == ".." ? "attachment" : clean
        return String(name.prefix(200))
    }

    static func fileExtension(for type: String) -> String {
        switch type {
        case "text/plain": "txt"
        case "text/html": "html"
        case "text/calendar": "ics"
        case "message/rfc822", "message/global": "eml"
        case "message/delivery-status": "txt"
        case "text/rfc822-headers": "txt"
        case "image/png": "png"
        case "image/jpeg": "jpg"
        case "image/gif": "gif"
        case "application/pdf": "pdf"
        default: "bin"
        }
    }
}

/// Finds the body part the way mail readers do (and Python's `email` `get_body`): attachments
/// are skipped, `multipart/related` is entered through its root part, other multiparts are
/// searched in order, and the first part of the most preferred text subtype wins. Embedded
/// messages are not entered: they stay attachments.
enum BodyChooser {
    struct Found {
        let part: MIMEPart
        let path: [Int]
    }

    static func body(of root: MIMEPart, preferring subtypes: [String]) -> Found? {
        var best: (priority: Int, found: Found)?
        // A blank text part (seen in broken multiparts) only counts when nothing else is found.
        search(root, path: [], subtypes: subtypes) { priority, found in
            let blank = found.part.content.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
            let rank = priority + (blank ? subtypes.count : 0)
            if best == nil || rank < best!.priority { best = (rank, found) }
            return rank == 0
        }
        return best?.found
    }

    /// Calls `offer` for each candidate; stops when it returns true.
    @discardableResult
    private static func search(_ part: MIMEPart, path: [Int], subtypes: [String], offer: (Int, Found) -> Bool) -> Bool {
        if part.isAttachment { return false }
        let type = part.contentType.type
        let subtype = part.contentType.subtype
        if type == "text" {
            if let priority = subtypes.firstIndex(of: subtype) { return offer(priority, Found(part: part, path: path)) }
            return false
        }
        guard type == "multipart", !part.children.isEmpty else { return false }
        if subtype == "related" {
            var rootIndex = 0
            if let start = part.contentType["start"].flatMap({ MessageIDList.parse($0).first ?? $0 }),
                let index = part.children.firstIndex(where: { $0.contentID == start })
            {
                rootIndex = index
            }
            return search(part.children[rootIndex], path: path + [rootIndex], subtypes: subtypes, offer: offer)
        }
        for (index, child) in part.children.enumerated() {
            if search(child, path: path + [index], subtypes: subtypes, offer: offer) { return true }
        }
        return false
    }
}
