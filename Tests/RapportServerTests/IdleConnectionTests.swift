import Foundation
import RapportCore
import Testing
import Vapor

@testable import RapportServer

#if canImport(Glibc)
    import Glibc
#endif

/// Connections that hold a descriptor and do nothing with it: the server closes them and answers
/// everyone else meanwhile.
@Suite("Idle and stalled connections")
struct IdleConnectionTests {
    @Test(
        "silent connections, half-sent requests and idle keep-alives are closed after the idle timeout; others are answered meanwhile"
    )
    func idleConnectionsAreClosed() async throws {
        let files = OpenFileLimit.raiseToMaximum()
        // Each connection here takes two descriptors in this process: the client's and the server's.
        let count = files.current >= 8192 ? 300 : 100
        try await withApp(.sqlite, settings: { $0.idleConnectionTimeout = .seconds(1) }) { app, _ in
            try await LiveTests.withServer(app) { port in
                var held: [RawConnection] = []
                for index in 0..<count {
                    let connection = try RawConnection(port: port)
                    if index % 2 == 1 {
                        // Headers that never end: the slow half of a request.
                        connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    }
                    held.append(connection)
                    if index % 50 == 49 { try await Task.sleep(for: .milliseconds(20)) }
                }
                let keepAlive = try RawConnection(port: port)
                keepAlive.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let first = try await keepAlive.response()
                #expect(first.hasPrefix("HTTP/1.1 200"), "the keep-alive connection's request is answered")
                held.append(keepAlive)

                // While they are held, anyone else is answered.
                let other = try RawConnection(port: port)
                other.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                #expect(try await other.response().contains("\"status\":\"ok\""))

                try await eventually("the server to close every idle connection", within: 30) {
                    held.allSatisfy(\.isClosedByPeer)
                }
                // And it still answers afterwards.
                let after = try RawConnection(port: port)
                after.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                #expect(try await after.response().hasPrefix("HTTP/1.1 200"))
            }
        }
    }

    @Test("the server raises its open-file limit to the most it may have")
    func openFileLimitIsRaised() {
        let limits = OpenFileLimit.raiseToMaximum()
        #expect(limits.current > 0)
        #expect(limits.current == limits.maximum || limits.maximum == Int.max)
        #expect(OpenFileLimit.read() == limits)
    }
}

/// A TCP connection driven byte by byte, for what an HTTP client library will not do: connect
/// and say nothing, or stop in the middle of a request.
final class RawConnection {
    private let descriptor: Int32
    private var closed = false

    init(port: Int) throws {
        let opened = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard opened >= 0 else { throw RapportMessageError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(opened, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // Closed here, before the object exists, so that deinit cannot close the number again
        // after something else in the process has been given it.
        guard result == 0 else {
            let code = errno
            Glibc.close(opened)
            throw RapportMessageError("connecting to 127.0.0.1:\(port) failed: errno \(code)")
        }
        descriptor = opened
    }

    deinit { Glibc.close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What has arrived so far, read without waiting; nil once the other end has closed.
    private func available() -> String? {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let read = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if read > 0 {
                text += String(decoding: buffer[..<read], as: UTF8.self)
            } else if read < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return text
            } else {
                closed = true
                return text.isEmpty ? nil : text
            }
        }
    }

    /// The response to the request sent, once its headers and a body have arrived.
    func response() async throws -> String {
        var text = ""
        try await eventually("a response", within: 30) {
            text += available() ?? ""
            guard let end = text.range(of: "\r\n\r\n") else { return closed }
            return !text[end.upperBound...].isEmpty || closed
        }
        return text
    }

    /// Whether the server has closed the connection (anything still unread is discarded).
    var isClosedByPeer: Bool {
        if !closed { _ = available() }
        return closed
    }
}
