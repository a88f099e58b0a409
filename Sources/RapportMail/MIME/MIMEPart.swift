import Foundation
import RapportCore

/// One node of a MIME tree (RFC 2045/2046). Multiparts have `children`; a `message/rfc822` part
/// has its parsed message as its single child and keeps the raw message in `content`; every
/// other part holds its decoded content.
public struct MIMEPart: Sendable {
    public var headers: MailHeaders
    public var contentType: HeaderParameters
    public var disposition: HeaderParameters?
    public var transferEncoding: String
    public var children: [MIMEPart]
    /// The content after the transfer encoding was undone (bytes, not yet charset-decoded).
    public var content: [UInt8]

    public var isMultipart: Bool { contentType.type == "multipart" }
    public var isEmbeddedMessage: Bool {
        contentType.value == "message/rfc822" || contentType.value == "message/global"
    }
    public var isAttachment: Bool { disposition?.value == "attachment" }
    public var charset: String? { contentType["charset"] }
    public var filename: String? {
        let name = disposition?["filename"] ?? contentType["name"]
        return name.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }
    public var contentID: String? { MessageIDList.parse(headers["Content-ID"]).first }

    /// The content as text, for `text/*` parts: charset-decoded, line ends as LF.
    public func text() -> Charset.Decoded {
        let decoded = Charset.decode(content, charset: charset)
        guard decoded.text.contains("\r") else { return decoded }
        return Charset.Decoded(
            text: decoded.text.withUnixLineEnds, problem: decoded.problem)
    }

    /// Every part of the tree, depth first, this one included.
    public func walk() -> [MIMEPart] {
        [self] + children.flatMap { $0.walk() }
    }
}

/// Parses a raw message into a MIME tree. Never fails: structure that cannot be understood is
/// kept as the nearest sensible thing (usually a text part) and explained in `warnings`.
public enum MIMEParser {
    /// Deeper nesting than this is kept as an opaque part; real mail stays far below it.
    public static let maximumDepth = 40

    public static func parse(_ bytes: [UInt8], warnings: inout [String]) -> MIMEPart {
        parsePart(bytes[...], defaultType: "text/plain", depth: 0, warnings: &warnings)
    }

    static func parsePart(_ bytes: ArraySlice<UInt8>, defaultType: String, depth: Int, warnings: inout [String])
        -> MIMEPart
    {
        let (headers, bodyStart) = MailHeaders.parse(bytes, warnings: &warnings)
        let body = bytes[bodyStart...]
        var contentType = HeaderParameters.parse(headers["Content-Type"] ?? defaultType)
        if contentType.type.isEmpty || contentType.subtype.isEmpty {
            if headers["Content-Type"] != nil {
                warnings.append(
                    "Content-Type '\(headers["Content-Type"]!.prefix(60))' is not valid; read as text/plain")
            }
            contentType = HeaderParameters(value: "text/plain", parameters: contentType.parameters)
        }
        let disposition = headers["Content-Disposition"].map(HeaderParameters.parse)
        let encoding = (headers["Content-Transfer-Encoding"] ?? "7bit").trimmingCharacters(in: .whitespaces)
            .lowercased()
        var part = MIMEPart(
            headers: headers, contentType: contentType, disposition: disposition, transferEncoding: encoding,
            children: [], content: [])

        if contentType.type == "multipart" {
            guard depth < maximumDepth else {
                warnings.append("multipart nesting deeper than \(maximumDepth) levels was kept unparsed")
                part.content = Array(body)
                return part
            }
            guard let boundary = contentType["boundary"], !boundary.isEmpty else {
                warnings.append("a multipart part has no boundary; its content was read as text")
                part.contentType = HeaderParameters(value: "text/plain", parameters: [:])
                part.content = Array(body)
                return part
            }
            let childType = contentType.subtype == "digest" ? "message/rfc822" : "text/plain"
            let sections = split(body, boundary: boundary, warnings: &warnings)
            guard let sections else {
                warnings.append(
                    "no boundary line '--\(boundary.prefix(60))' was found; the multipart content was read as text")
                part.contentType = HeaderParameters(value: "text/plain", parameters: [:])
                part.content = Array(body)
                return part
            }
            part.children = sections.map {
                parsePart($0, defaultType: childType, depth: depth + 1, warnings: &warnings)
            }
            return part
        }

        part.content = decodeTransfer(body, encoding: encoding, warnings: &warnings)
        if part.isEmbeddedMessage, depth < maximumDepth {
            part.children = [
                parsePart(part.content[...], defaultType: "text/plain", depth: depth + 1, warnings: &warnings)
            ]
        }
        return part
    }

    static func decodeTransfer(_ body: ArraySlice<UInt8>, encoding: String, warnings: inout [String]) -> [UInt8] {
        switch encoding {
        case "base64": return TransferEncoding.decodeBase64(body)
        case "quoted-printable": return TransferEncoding.decodeQuotedPrintable(body)
        case "7bit", "8bit", "binary", "": return Array(body)
        default:
            if encoding.contains("base64") { return TransferEncoding.decodeBase64(body) }
            if encoding.contains("quoted") { return TransferEncoding.decodeQuotedPrintable(body) }
            warnings.append(
                "Content-Transfer-Encoding '\(encoding.prefix(40))' is unknown; the content was kept as it is")
            return Array(body)
        }
    }

    /// The sections between boundary lines (RFC 2046 §5.1.1), or nil when no boundary line
    /// appears at all. A missing closing boundary is tolerated with a warning.
    static func split(_ body: ArraySlice<UInt8>, boundary: String, warnings: inout [String]) -> [ArraySlice<UInt8>]? {
        let delimiter = Array(("--" + boundary).utf8)
        var sections: [ArraySlice<UInt8>] = []
        var sectionStart: Int?
        var closed = false
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            var lineEnd = lineStart
            while lineEnd < body.endIndex, body[lineEnd] != 0x0A { lineEnd += 1 }
            let nextLine = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            if body[lineStart...].starts(with: delimiter) {
                var after = lineStart + delimiter.count
                let isClose = after + 2 <= lineEnd && body[after] == 0x2D && body[after + 1] == 0x2D
                if isClose { after += 2 }
                let restIsBlank = body[min(after, lineEnd)..<lineEnd].allSatisfy {
                    $0 == 0x20 || $0 == 0x09 || $0 == 0x0D
                }
                if restIsBlank {
                    if let start = sectionStart {
                        // The line break before a boundary belongs to the boundary.
                        var end = lineStart
                        if end > start, body[end - 1] == 0x0A { end -= 1 }
                        if end > start, body[end - 1] == 0x0D { end -= 1 }
                        // Two boundary lines in a row leave an empty section: not a part.
                        if end > start { sections.append(body[start..<end]) }
                    }
                    if isClose {
                        closed = true
                        break
                    }
                    sectionStart = nextLine
                }
            }
            lineStart = nextLine
        }
        guard sectionStart != nil || !sections.isEmpty else { return nil }
        if !closed {
            warnings.append("the multipart has no closing boundary; its last part runs to the end")
            if let start = sectionStart, start < body.endIndex { sections.append(body[start..<body.endIndex]) }
        }
        return sections
    }
}
