import Foundation
import Vapor

extension AttachmentStore {
    /// The stored bytes of an attachment as a download that a browser never renders or runs.
    /// Callers check first that the requester may see it.
    func download(_ attachment: Attachment, for req: Request) async throws -> Response {
        guard let url = url(forSHA256: attachment.sha256), FileManager.default.fileExists(atPath: url.path) else {
            throw RapportError.notFound("Attachment \(attachment.id ?? 0)")
        }
        let response = try await req.fileio.asyncStreamFile(at: url.path)
        response.headers.replaceOrAdd(name: .contentType, value: attachment.contentType)
        response.headers.replaceOrAdd(
            name: .contentDisposition, value: Self.contentDisposition(for: attachment.filename))
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "sandbox; default-src 'none'")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        response.headers.remove(name: .eTag)
        return response
    }

    /// `attachment` with an ASCII fallback name and the exact name in RFC 5987 form.
    static func contentDisposition(for filename: String) -> String {
        let fallback = String(
            filename.unicodeScalars.map {
                $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_"
            })
        let encoded =
            filename.addingPercentEncoding(
                withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_"))) ?? "attachment"
        return "attachment; filename=\"\(fallback)\"; filename*=UTF-8''\(encoded)"
    }
}
