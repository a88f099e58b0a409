import Foundation
import RapportCore
import Vapor

/// Seals secrets Rapport must use again later (mailbox and SMTP passwords) with AES-GCM under
/// the workspace key: `RAPPORT_SECRET_KEY` (32 bytes, base64) when set — needed when several
/// servers share one PostgreSQL — otherwise `secret.key` in the data folder, created on first
/// use with owner-only permissions.
struct SecretBox: Sendable {
    private let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    static func load(dataDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> SecretBox
    {
        if let configured = environment["RAPPORT_SECRET_KEY"], !configured.isEmpty {
            guard let bytes = Data(base64Encoded: configured), bytes.count == 32 else {
                throw RapportMessageError(
                    "RAPPORT_SECRET_KEY must be 32 bytes in base64 (make one with: head -c 32 /dev/urandom | base64).")
            }
            return SecretBox(key: SymmetricKey(data: bytes))
        }
        let file = dataDirectory.appendingPathComponent("secret.key")
        if let existing = FileManager.default.contents(atPath: file.path) {
            guard existing.count == 32 else {
                throw RapportMessageError(
                    "\(file.path) is damaged: it must hold 32 bytes. Restore it from a backup; without it stored mail passwords cannot be read."
                )
            }
            return SecretBox(key: SymmetricKey(data: existing))
        }
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: file.path, contents: bytes, attributes: [.posixPermissions: 0o600])
        else {
            throw RapportMessageError("Could not write \(file.path); check that the data folder is writable.")
        }
        return SecretBox(key: key)
    }

    func seal(_ secret: String) throws -> String {
        try AES.GCM.seal(Data(secret.utf8), using: key).combined!.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard !sealed.isEmpty else { return "" }
        guard let data = Data(base64Encoded: sealed) else {
            throw RapportError.badRequest("a stored secret is damaged; enter the password again")
        }
        do {
            return String(decoding: try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key), as: UTF8.self)
        } catch {
            throw RapportError.badRequest(
                "a stored password cannot be read with this server's secret key; enter it again in the mail settings")
        }
    }
}
