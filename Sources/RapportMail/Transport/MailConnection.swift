import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How a mail connection is secured.
public enum MailSecurity: String, Sendable, Codable, CaseIterable {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    case tls
    /// Plain first, then upgraded with STARTTLS; refuses to go on if the server cannot.
    case startTLS = "starttls"
    /// No encryption: only for a server on this machine or a trusted network.
    case none
}

/// What failed when talking to a mail server, in the order a connection goes through them,
/// so that a "test connection" button can say exactly where it broke.
public enum MailTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case dns(host: String)
    case tcp(host: String, port: Int, reason: String)
    case tls(reason: String)
    case timeout(while: String)
    case closed(while: String)
    case authentication(reply: String)
    case folder(name: String, reply: String)
    /// The server answered a command with an error. `permanent` follows SMTP's 5xx / 4xx.
    case rejected(command: String, reply: String, permanent: Bool)
    case protocolViolation(String)

    public var description: String {
        switch self {
        case .dns(let host): "DNS: the name \(host) could not be resolved; check the host name"
        case .tcp(let host, let port, let reason):
            "TCP: could not connect to \(host) port \(port) (\(reason)); check the port and that the server is running"
        case .tls(let reason):
            "TLS: the secure connection failed (\(reason)); check the security setting and the server's certificate"
        case .timeout(let stage): "timeout: the server did not answer while \(stage)"
        case .closed(let stage): "the server closed the connection while \(stage)"
        case .authentication(let reply): "authentication: the server refused the user name or password (\(reply))"
        case .folder(let name, let reply): "folder: '\(name)' could not be opened (\(reply)); check the folder name"
        case .rejected(let command, let reply, _): "the server refused \(command): \(reply)"
        case .protocolViolation(let detail): "the server's answer could not be understood: \(detail)"
        }
    }

    /// The stage a connection test reports: dns, tcp, tls, auth, folder or protocol.
    public var stage: String {
        switch self {
        case .dns: "dns"
        case .tcp: "tcp"
        case .tls: "tls"
        case .authentication: "auth"
        case .folder: "folder"
        case .timeout, .closed, .rejected, .protocolViolation: "protocol"
        }
    }

    /// Whether trying again later cannot help (SMTP 5xx, bad credentials).
    public var isPermanent: Bool {
        switch self {
        case .rejected(_, _, let permanent): permanent
        case .authentication: true
        default: false
        }
    }
}

/// A line-oriented client connection for SMTP and IMAP: connect (optionally with TLS), read
/// lines and counted bytes, write, and upgrade to TLS in place for STARTTLS.
final class MailConnection: @unchecked Sendable {  // used by one session at a time
    private let channel: any Channel
    private var incoming: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
    private var buffer = ByteBuffer()
    private let host: String
    private let verifyCertificates: Bool
    var stage = "waiting for the greeting"

    static let sharedGroup = MultiThreadedEventLoopGroup.singleton

    private init(
        channel: any Channel, incoming: AsyncThrowingStream<ByteBuffer, any Error>, host: String,
        verifyCertificates: Bool
    ) {
        self.channel = channel
        self.incoming = incoming.makeAsyncIterator()
        self.host = host
        self.verifyCertificates = verifyCertificates
    }

    static func connect(host: String, port: Int, tls: Bool, verifyCertificates: Bool, timeout: TimeAmount) async throws
        -> MailConnection
    {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: (any Error).self)
        let sslContext = tls ? try makeTLSContext(verify: verifyCertificates) : nil
        let bootstrap = ClientBootstrap(group: sharedGroup)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: isIPAddress(host) ? nil : host))
                    }
                    try channel.pipeline.syncOperations.addHandler(ProgressTimeout(timeout: timeout))
                    try channel.pipeline.syncOperations.addHandler(IncomingBytes(continuation: continuation))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch let error as NIOConnectionError {
            if error.connectionErrors.isEmpty { throw MailTransportError.dns(host: host) }
            throw MailTransportError.tcp(
                host: host, port: port, reason: error.connectionErrors.map { "\($0.error)" }.first ?? "refused")
        } catch is SocketAddressError {
            throw MailTransportError.dns(host: host)
        } catch let error as ChannelError {
            if case .connectTimeout = error { throw MailTransportError.timeout(while: "connecting to \(host):\(port)") }
            throw MailTransportError.tcp(host: host, port: port, reason: "\(error)")
        } catch {
            throw MailTransportError.tcp(host: host, port: port, reason: "\(error)")
        }
        return MailConnection(channel: channel, incoming: stream, host: host, verifyCertificates: verifyCertificates)
    }

    private static func makeTLSContext(verify: Bool) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verify { configuration.certificateVerification = .none }
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw MailTransportError.tls(reason: "\(error)")
        }
    }

    private static func isIPAddress(_ host: String) -> Bool {
        host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
    }

    /// Upgrades the connection to TLS after the server agreed to STARTTLS.
    func startTLS() async throws {
        guard buffer.readableBytes == 0 else {
            throw MailTransportError.protocolViolation("data arrived before the TLS handshake")
        }
        let context = try Self.makeTLSContext(verify: verifyCertificates)
        let serverName = Self.isIPAddress(host) ? nil : host
        let channel = self.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
        }.get()
    }

    /// One line without its CRLF. Lines longer than `maximumLength` are a protocol error.
    func readLine(maximumLength: Int = 64 * 1024) async throws -> String {
        while true {
            if let view = buffer.readableBytesView.firstIndex(of: 0x0A) {
                let length = view - buffer.readerIndex
                var bytes = buffer.readBytes(length: length + 1) ?? []
                bytes.removeLast()
                if bytes.last == 0x0D { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            if buffer.readableBytes > maximumLength {
                throw MailTransportError.protocolViolation("a line longer than \(maximumLength) bytes")
            }
            try await fill()
        }
    }

    /// Exactly `count` bytes (an IMAP literal).
    func readBytes(_ count: Int) async throws -> [UInt8] {
        while buffer.readableBytes < count { try await fill() }
        return buffer.readBytes(length: count) ?? []
    }

    private func fill() async throws {
        do {
            guard var next = try await incoming.next() else { throw MailTransportError.closed(while: stage) }
            buffer.writeBuffer(&next)
        } catch let error as MailTransportError {
            throw error
        } catch is IdleTimeout {
            throw MailTransportError.timeout(while: stage)
        } catch let error as NIOSSLError {
            throw MailTransportError.tls(reason: "\(error)")
        } catch let error as BoringSSLError {
            throw MailTransportError.tls(reason: "\(error)")
        } catch {
            throw MailTransportError.closed(while: "\(stage) (\(error))")
        }
    }

    func write(_ text: String) async throws { try await write(Array(text.utf8)) }

    /// Writes in pieces, each awaited, so that every piece the peer takes counts as progress
    /// for the idle timeout (one large write completes only when its last byte is sent).
    func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        repeat {
            let end = min(bytes.count, offset + Self.writeChunk)
            var out = channel.allocator.buffer(capacity: end - offset)
            out.writeBytes(bytes[offset..<end])
            do { try await channel.writeAndFlush(out).get() } catch { throw MailTransportError.closed(while: stage) }
            offset = end
        } while offset < bytes.count
    }

    static let writeChunk = 16 * 1024

    func setStage(_ stage: String) { self.stage = stage }

    /// Allows `timeout` without progress from now on (a server may take minutes to accept a
    /// large message once it has all of it), or goes back to the connection's own timeout.
    func allowIdle(_ timeout: TimeAmount?) async {
        let channel = self.channel
        try? await channel.eventLoop.submit {
            (try? channel.pipeline.syncOperations.handler(type: ProgressTimeout.self))?.override(timeout)
        }.get()
    }

    func close() async {
        try? await channel.close().get()
    }
}

struct IdleTimeout: Error {}

/// Hands received bytes to the connection's stream; a read timeout or error ends the stream.
private final class IncomingBytes: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation

    init(continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ProgressTimeout.Expired {
            continuation.finish(throwing: IdleTimeout())
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}

/// Closes a connection that makes no progress for `timeout`: nothing read, and no write
/// completed. Writes count, so a large message sent slowly over a thin link stays alive for as
/// long as bytes keep leaving, while a server that stops answering is still given up on.
final class ProgressTimeout: ChannelDuplexHandler, @unchecked Sendable {  // used on its event loop only
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Expired: Sendable {}

    private let standard: TimeAmount
    private var timeout: TimeAmount
    private var lastProgress = NIODeadline.now()
    private var check: Scheduled<Void>?

    init(timeout: TimeAmount) {
        standard = timeout
        self.timeout = timeout
    }

    func override(_ timeout: TimeAmount?) {
        self.timeout = timeout ?? standard
        lastProgress = .now()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { schedule(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        lastProgress = .now()
        schedule(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastProgress = .now()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let written = promise ?? context.eventLoop.makePromise()
        written.futureResult.whenSuccess { [weak self] in self?.lastProgress = .now() }
        context.write(data, promise: written)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        check?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(in: .milliseconds(250)) { [weak self] in
            guard let self else { return }
            let context = loopBound.value
            guard context.channel.isActive else { return }
            if NIODeadline.now() - self.lastProgress >= self.timeout {
                context.fireUserInboundEventTriggered(Expired())
            } else {
                self.schedule(context)
            }
        }
    }
}
