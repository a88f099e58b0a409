import Foundation
import RapportMail
import Testing

/// Compares the parser with Python's `email` package on CPython's own test messages.
@Suite("Differential parse against Python's email package")
struct PythonDifferentialTests {
    /// Messages where Rapport reads a field differently from Python on purpose, with the reason.
    static let knownDifferences: [String: String] = [
        "msg_05.txt":
            "'From: foo' and 'To: baz' hold no @: no mailbox to Rapport, which cannot answer them; Python reports bare addresses",
        "msg_15.txt":
            "an inner multipart reuses its parent's boundary; Python nests it, Rapport splits at the outer level (same parts, flatter tree; same text)",
        "msg_17.txt":
            "a multipart with no usable boundary line: Python keeps an empty multipart, Rapport reads the content as text so the words are not lost",
        "msg_25.txt":
            "a multipart with no usable boundary line: Python keeps an empty multipart, Rapport reads the content as text so the words are not lost; and the message has two To fields, Python reads the first, Rapport both",
        "msg_31.txt":
            "a multipart with no usable boundary line: Python keeps an empty multipart, Rapport reads the content as text so the words are not lost",
        "msg_39.txt":
            "inner multiparts reuse their parent's boundary; Python nests them, Rapport splits at the outer level (same leaf parts)",
        "msg_41.txt":
            "a multipart with no usable boundary line: Python keeps an empty multipart, Rapport reads the content as text so the words are not lost",
        "msg_43.txt": "'From: <>' (an empty return path) is no mailbox to Rapport; Python reports an address '<>'",
    ]

    @Test("subject, from, to, date, part structure and text agree with Python")
    func agreesWithPython() throws {
        let dataFolder = try Self.run([
            "python3", "-c",
            "import os, test.test_email as t; print(os.path.join(os.path.dirname(t.__file__), 'data'))",
        ])
        .trimmingCharacters(in: .whitespacesAndNewlines)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/python_email_reference.py"
        ).path
        let reference = try Self.run(["python3", script, dataFolder])
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? [String: [String: Any]])
        #expect(expected.count > 40)
        var mismatches: [String] = []
        for (name, fields) in expected.sorted(by: { $0.key < $1.key }) {
            let message = ParsedEmail(
                try Data(contentsOf: URL(fileURLWithPath: dataFolder).appendingPathComponent(name)))
            var differences: [String] = []
            if let subject = fields["subject"] as? String, subject != message.subject {
                differences.append("subject '\(subject)' vs '\(message.subject ?? "nil")'")
            }
            for (field, ours) in [("from", message.from), ("to", message.to)] {
                guard let theirs = fields[field] as? [[String: Any]] else { continue }
                let theirAddresses = theirs.map { ($0["address"] as? String ?? "").lowercased() }
                let ourAddresses = ours.map { $0.address.lowercased() }
                if theirAddresses != ourAddresses {
                    differences.append("\(field) \(theirAddresses) vs \(ourAddresses)")
                }
            }
            if let date = fields["date"] as? Double,
                message.date.map({ abs($0.date.timeIntervalSince1970 - date) > 0.5 }) ?? true
            {
                differences.append(
                    "date \(date) vs \(message.date.map { String($0.date.timeIntervalSince1970) } ?? "nil")")
            }
            if let structure = fields["structure"] as? [String] {
                let ours = Self.structure(message.root)
                if structure != ours { differences.append("structure \(structure) vs \(ours)") }
            }
            if let text = fields["text"] as? String, Self.normalized(text) != Self.normalized(message.text) {
                differences.append(
                    "text differs: '\(Self.normalized(text).prefix(80))' vs '\(Self.normalized(message.text).prefix(80))'"
                )
            }
            if !differences.isEmpty, Self.knownDifferences[name] == nil {
                mismatches.append("\(name): " + differences.joined(separator: "; "))
            }
        }
        #expect(
            mismatches.isEmpty,
            Comment(rawValue: "\(mismatches.count) messages differ:\n" + mismatches.joined(separator: "\n")))
    }

    /// Content types in Python's walk order: multiparts' children, not embedded messages'.
    static func structure(_ part: MIMEPart) -> [String] {
        [part.contentType.value] + (part.isMultipart ? part.children.flatMap(structure) : [])
    }

    static func normalized(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .fileReadUnknown,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "\(arguments.joined(separator: " ")) failed with \(process.terminationStatus)"
                ])
        }
        return String(decoding: data, as: UTF8.self)
    }
}
