import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `2001:db8::/32`, or one address), for deciding which
/// peers are proxies whose `X-Forwarded-For` may be believed. IPv4-mapped IPv6 addresses
/// (`::ffff:10.1.2.3`) are read as the IPv4 address they carry.
public struct IPAddressRange: Sendable, Equatable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let network: [UInt8]
    public let prefixLength: Int

    public static let loopback = [
        IPAddressRange(network: [127, 0, 0, 0], prefixLength: 8),
        IPAddressRange(network: Array(repeating: 0, count: 15) + [1], prefixLength: 128),
    ]

    init(network: [UInt8], prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    /// Parses `address` or `address/prefix`; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : bits
        guard let prefix, (0...bits).contains(prefix) else { return nil }
        network = bytes
        prefixLength = prefix
    }

    /// A comma-separated list, as `RAPPORT_TRUSTED_PROXIES` gives it; "none" for no proxy.
    public static func list(parsing text: String) throws -> [IPAddressRange] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "none" || trimmed.isEmpty { return [] }
        return try trimmed.split(separator: ",").map { item in
            guard let range = IPAddressRange(String(item)) else {
                throw RapportMessageError(
                    "'\(item.trimmingCharacters(in: .whitespaces))' is not an address or network; write one like 10.0.0.0/8, 192.0.2.7 or fd00::/8, separated by commas, or none"
                )
            }
            return range
        }
    }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.bytes(of: address), bytes.count == network.count else { return false }
        var remaining = prefixLength
        for index in 0..<bytes.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String {
        let text: String
        if network.count == 4 {
            text = network.map(String.init).joined(separator: ".")
        } else {
            text = stride(from: 0, to: 16, by: 2).map {
                String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16)
            }
            .joined(separator: ":")
        }
        return "\(text)/\(prefixLength)"
    }

    /// The address's bytes, or nil when it is not an IP address.
    public static func bytes(of text: String) -> [UInt8]? {
        var address = text.trimmingCharacters(in: .whitespaces)
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        guard !address.isEmpty, address.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }
}

/// Who a request comes from, for rate limits: the peer, unless the peer is a trusted proxy, in
/// which case the nearest hop in `X-Forwarded-For` that is not itself a trusted proxy. The first
/// value of the header is whatever the client wrote and is never believed on its own.
public enum ClientAddress {
    public static func resolve(peer: String?, forwardedFor: [String], trusted: [IPAddressRange]) -> String {
        guard let peer, !peer.isEmpty else { return "unknown" }
        guard trusted.contains(where: { $0.contains(peer) }) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var nearest = peer
        for hop in hops.reversed() {
            guard IPAddressRange.bytes(of: hop) != nil else { return nearest }  // a hop no proxy wrote
            if !trusted.contains(where: { $0.contains(hop) }) { return hop }
            nearest = hop
        }
        return nearest
    }
}
