import Foundation
import RapportCore

/// Validation errors in the words a form shows: one sentence ("The message must not be
/// empty; Tags: 'x y' is not a valid tag"), or one line per problem for longer forms.
enum FormErrorWording {
    /// A validation error as one sentence for the page: "body: must not be empty".
    static func sentence(_ error: RapportError) -> String {
        guard !error.fields.isEmpty else { return error.reason }
        return error.fields.sorted { $0.key < $1.key }.map { "\(FieldNames.label($0.key)) \($0.value)" }.joined(
            separator: "; ")
    }

    /// One line per problem: the problem as written when it is already a sentence, else the
    /// field's label before it.
    static func lines(_ error: RapportError) -> [String] {
        guard !error.fields.isEmpty else { return [error.reason] }
        return error.fields.sorted { $0.key < $1.key }.map { key, value in
            key.hasPrefix("rule.") || value.first?.isUppercase == true ? value : "\(FieldNames.label(key)) \(value)"
        }
    }
}

/// Field names from validation errors as a form labels them.
enum FieldNames {
    static func label(_ field: String) -> String {
        switch field {
        case "body", "message.body": "The message"
        case "assignee_id": "The assignee"
        case "team_id": "The team"
        case "tags", "add_tags": "Tags:"
        case "emails": "Email addresses:"
        case let name where name.hasPrefix("attachments"): "Attachments:"
        default: field.replacingOccurrences(of: "_", with: " ").capitalizedFirst + ":"
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
