import Foundation

/// Where to go after signing in: only paths on this server, never another site.
enum SignInRedirect {
    static func safePath(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.hasPrefix("/\\"), raw.count < 2_000,
            !raw.contains(where: { $0.isNewline || $0 == "\0" })
        else { return nil }
        return raw
    }
}
