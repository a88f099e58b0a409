import Foundation

/// Builds the MIME structure of an outgoing message: parts with their headers, nested
/// multiparts with boundaries that cannot occur in base64 or quoted-printable text.
struct MIMEWriter {
    private let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    /// A boundary of its own for each multipart of one message. "=_" never appears in base64
    /// output nor at the start of a quoted-printable line, so no body can contain it.
    func boundary(_ role: String) -> String { "=_rapport_\(role)_\(token)" }

    struct Part {
        var headers: [String]
        /// The encoded body, CRLF line ends, no trailing line end.
        var body: String

        static func multipart(_ subtype: String, boundary: String, parts: [Part]) -> Part {
            var lines: [String] = []
            for part in parts {
                lines.append("--\(boundary)")
                lines += part.headers.map(OutgoingEmail.folded)
                lines.append("")
                lines.append(part.body)
            }
            lines.append("--\(boundary)--")
            lines.append("")
            return Part(
                headers: ["Content-Type: multipart/\(subtype); boundary=\"\(boundary)\""],
                body: lines.joined(separator: "\r\n"))
        }
    }

    /// A `name="value"` header parameter. An ASCII value is quoted as it is; any other value is
    /// given as an RFC 2231 `name*=UTF-8''…` parameter after a plain fallback, which mail
    /// readers old and new understand.
    static func parameter(_ name: String, _ value: String) -> String {
        let printable = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }
        let fallback = String(
            value.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\"
                    ? Character(scalar) : "_"
            })
        guard !printable || value.contains("\"") || value.contains("\\") else { return "\(name)=\"\(value)\"" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$&+-.^_`|~"))
        var encoded = ""
        for byte in value.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, allowed.contains(scalar) {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return "\(name)=\"\(fallback)\"; \(name)*=UTF-8''\(encoded)"
    }
}
