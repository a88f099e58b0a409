import Vapor

/// bcrypt hashing of agent passwords, off the event loop.
struct PasswordHashing: Sendable {
    let cost: Int

    static let minimumLength = 10
    static let maximumLength = 72  // bcrypt ignores bytes beyond 72

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, against digest: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { (try? Bcrypt.verify(password, created: digest)) ?? false }
    }

    /// Why a new password is not acceptable, or `nil` if it is.
    static func problem(with password: String) -> String? {
        if password.count < minimumLength { return "must be at least \(minimumLength) characters" }
        if password.utf8.count > maximumLength { return "must be at most \(maximumLength) bytes" }
        return nil
    }
}
