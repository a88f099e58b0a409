import ArgumentParser
import Foundation
import RapportMail

struct Mail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with email: see how Rapport reads a message.",
        subcommands: [Parse.self]
    )

    struct Parse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what Rapport understood of one raw message (RFC 5322 / MIME) as JSON."
        )

        @Argument(help: "The message file, or - to read standard input.") var file: String
        @Flag(help: "Print the JSON on one line.") var compact = false

        func run() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read '\(file)': check the path and that the file is readable")
                }
                data = read
            }
            print(try MailParseReport(ParsedEmail(data)).json(pretty: !compact))
        }
    }
}
