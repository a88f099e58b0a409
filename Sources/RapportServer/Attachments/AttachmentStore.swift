import Foundation
import RapportCore
import Vapor

/// A file written to the store, ready to be linked to a message.
struct StoredAttachment: Sendable {
    let filename: String
    let contentType: String
    let size: Int
    let sha256: String
}

/// Files on disk, addressed by their SHA-256: `attachments/ab/cd/abcd…`. Writing the same bytes
/// twice stores them once. Files are written to a temporary name and renamed into place, so a
/// crash never leaves a half-written file under a real name.
struct AttachmentStore: Sendable {
    let directory: URL
    let maximumBytes: Int

    /// Checks the size of each file (and, for a message that will be emailed, of all of them
    /// together), then writes them.
    func store(_ files: [NewAttachment], totalLimited: Bool = false) async throws -> [StoredAttachment] {
        try check(files, totalLimited: totalLimited)
        var stored: [StoredAttachment] = []
        for file in files {
            let digest = SHA256.hex(of: file.data)
            try await write(file.data, as: digest)
            stored.append(
                StoredAttachment(
                    filename: Self.safeFilename(file.filename), contentType: Self.safeContentType(file.contentType),
                    size: file.data.count, sha256: digest
                ))
        }
        return stored
    }

    /// Refuses files over the limit with a reason that names the file, its size and the limit.
    /// A message an agent sends by email is also limited as a whole, so it reaches the
    /// customer's mailbox (most providers refuse messages of 25 MB and more).
    func check(_ files: [NewAttachment], totalLimited: Bool) throws {
        var problems = FieldErrors()
        for (index, file) in files.enumerated() where file.data.count > maximumBytes {
            problems.add(
                "attachments[\(index)]",
                Self.tooLarge(Self.safeFilename(file.filename), size: file.data.count, limit: maximumBytes))
        }
        let total = files.reduce(0) { $0 + $1.data.count }
        if problems.isEmpty, totalLimited, total > maximumBytes {
            problems.add(
                "attachments",
                "together the files are \(FileSize.text(total)); one message can carry at most \(FileSize.text(maximumBytes)). Send some of them in a second reply."
            )
        }
        try problems.throwIfAny()
    }

    static func tooLarge(_ filename: String, size: Int, limit: Int) -> String {
        "'\(filename)' is \(FileSize.text(size)); the limit is \(FileSize.text(limit)) per file"
    }

    func url(forSHA256 digest: String) -> URL? {
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else { return nil }
        return
            directory
            .appendingPathComponent(String(digest.prefix(2)))
            .appendingPathComponent(String(digest.dropFirst(2).prefix(2)))
            .appendingPathComponent(digest)
    }

    private func write(_ data: Data, as digest: String) async throws {
        guard let destination = url(forSHA256: digest) else { return }
        try await NIOThreadPool.singleton.runIfActive {
            let manager = FileManager.default
            if manager.fileExists(atPath: destination.path) { return }
            try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(
                ".\(digest).\(UUID().uuidString).tmp")
            do {
                try data.write(to: temporary)
            } catch {
                // A disk that filled up halfway leaves no half-written file behind.
                try? manager.removeItem(at: temporary)
                throw error
            }
            if rename(temporary.path, destination.path) != 0 {
                try? manager.removeItem(at: temporary)
                if !manager.fileExists(atPath: destination.path) {
                    throw CocoaError(.fileWriteUnknown)
                }
            }
        }
    }

    /// A filename safe to show and to put in a download header: no path, no control characters.
    static func safeFilename(_ raw: String) -> String {
        let lastComponent = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(
            lastComponent.unicodeScalars.filter { !CharacterSet.controlCharacters.contains($0) }.map(Character.init)
        )
        .trimmingCharacters(in: .whitespaces)
        let name = cleaned.isEmpty || cleaned == "." || cleaned == ".." ? "attachment" : cleaned
        return String(name.prefix(200))
    }

    /// A `type/subtype` media type, or `application/octet-stream` when the given one is unusable.
    static func safeContentType(_ raw: String) -> String {
        let base = raw.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let parts = base.split(separator: "/")
        let token = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$&^_.+-"))
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(token.contains) }),
            base.count <= 100
        else {
            return "application/octet-stream"
        }
        return base
    }
}
