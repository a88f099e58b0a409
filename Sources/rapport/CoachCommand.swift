import ArgumentParser
import Foundation
import RapportCore

/// `rapport coach reply|inbound` — the reply coach and mood reader on standard input, as JSON.
/// Needs no database: it is the same analysis the composer and the API run.
struct Coach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a draft reply, or read the mood of a customer's message.",
        subcommands: [Reply.self, Inbound.self]
    )

    struct RuleOptions: ParsableArguments {
        @Option(help: "A JSON rule file laid over the built-in English rules (switch rules off, add phrases).")
        var rules: String?

        func ruleSet() throws -> CoachRuleSet {
            let builtIn = try CoachRuleSet.builtIn(language: "en")
            guard let rules else { return builtIn }
            let extra = try CoachRuleSet.load(from: URL(fileURLWithPath: rules))
            if let (rule, patterns) = extra.invalidPatterns.first {
                throw ValidationError(
                    "\(rules): rule '\(rule)' has patterns that are not valid regular expressions: \(patterns.joined(separator: ", "))"
                )
            }
            return builtIn.merged(with: extra)
        }
    }

    struct Reply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a draft reply on standard input and print the coach's findings as JSON.")

        @Option(help: "The customer's name.") var customerName: String
        @Option(help: "The agent's name.") var agentName: String
        @Flag(help: "The customer is upset: the reply should acknowledge it.") var customerUpset = false
        @Option(help: "A file with the customer's last message, to check their questions are answered.")
        var customerMessage: String?
        @OptionGroup var rules: RuleOptions

        func run() throws {
            let draft = try Coach.readStandardInput()
            var message: String?
            if let path = customerMessage {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ValidationError("Cannot read --customer-message \(path) as UTF-8 text.")
                }
                message = text
            }
            let analysis = ReplyCoach(ruleSet: try rules.ruleSet()).analyze(
                ReplyContext(
                    draft: draft, customerName: customerName, agentName: agentName, customerMessage: message,
                    customerUpset: customerUpset
                ))
            try Coach.printJSON(analysis)
        }
    }

    struct Inbound: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a customer's message on standard input and print its mood as JSON.")

        @OptionGroup var rules: RuleOptions

        func run() throws {
            try Coach.printJSON(MoodReader(ruleSet: try rules.ruleSet()).read(try Coach.readStandardInput()))
        }
    }

    static func readStandardInput() throws -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard data.count <= 1_000_000 else { throw ValidationError("The text on standard input is larger than 1 MB.") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("Standard input is not UTF-8 text.")
        }
        return text
    }

    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
