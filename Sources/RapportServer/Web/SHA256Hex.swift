import Vapor

extension SHA256 {
    /// The digest of `data` as 64 lowercase hex digits, the form Rapport stores.
    static func hex(of data: Data) -> String {
        hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
