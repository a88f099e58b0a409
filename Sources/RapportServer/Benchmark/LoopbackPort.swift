import Foundation

#if canImport(Glibc)
    import Glibc
    import RapportCore
#endif

/// A free TCP port on 127.0.0.1, found by letting the kernel pick one and releasing it, for
/// starting a server the caller runs itself (the benchmark's server, the tests' mail servers).
public enum LoopbackPort {
    public static func free() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw RapportMessageError("Could not open a socket to find a free loopback port.")
        }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw RapportMessageError("Could not bind a loopback port (errno \(errno)).") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
