import Foundation

/// A failure that is all message: what went wrong and what to do about it, in one sentence.
/// For the places where nothing else needs to be known — starting up, the command line, setting
/// up a test.
public struct RapportMessageError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
