import Foundation

/// Where the sign-in page may send an agent afterwards: a path on this site, never another one.
enum SignInRedirect {
    /// The target rebuilt from its parsed path, query and fragment, or nil when `raw` is not a
    /// plain local path. Browsers drop tabs, CR and LF inside a URL and read a backslash as a
    /// slash, so `/\t/evil.example` or `/\evil.example` would leave the site: anything but
    /// printable ASCII without a backslash is refused before parsing.
    static func safePath(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), raw.utf8.count < 2_000,
            raw.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }),
            let parts = URLComponents(string: raw),
            parts.scheme == nil, parts.host == nil, parts.user == nil, parts.port == nil
        else { return nil }
        let path = parts.percentEncodedPath
        guard path.hasPrefix("/"), !path.hasPrefix("//") else { return nil }
        var target = path
        if let query = parts.percentEncodedQuery { target += "?" + query }
        if let fragment = parts.percentEncodedFragment { target += "#" + fragment }
        return target
    }
}
