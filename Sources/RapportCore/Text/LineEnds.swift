extension String {
    /// The text with every CRLF made LF, in one pass over its bytes. Foundation's
    /// `replacingOccurrences(of: "\r\n", with: "\n")` slows down sharply on text with very many line
    /// breaks (a mutated message with a million took seconds), and mail text has them on every line.
    public var withUnixLineEnds: String {
        guard utf8.contains(0x0D) else { return self }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var previousWasCR = false
        for byte in utf8 {
            if byte == 0x0A, previousWasCR { bytes.removeLast() }
            bytes.append(byte)
            previousWasCR = byte == 0x0D
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
