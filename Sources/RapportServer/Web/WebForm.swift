import Foundation
import RapportCore

/// Parsing the values workspace forms send.
enum WebForm {
    /// An assignee picker: empty leaves it, "none" unassigns, "me" or an id assigns.
    static func assignee(_ raw: String?, currentAgent: Int) throws -> FieldUpdate<Int> {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return .unchanged }
        switch raw {
        case "none": return .set(nil)
        case "me": return .set(currentAgent)
        default:
            guard let id = Int(raw), id > 0 else { throw RapportError.invalid(["assignee": "is not an agent"]) }
            return .set(id)
        }
    }

    /// A picker of a team, organization or similar: empty leaves it, "none" clears it, an id sets it.
    static func reference(_ raw: String?, field: String) throws -> FieldUpdate<Int> {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return .unchanged }
        if raw == "none" { return .set(nil) }
        guard let id = Int(raw), id > 0 else { throw RapportError.invalid([field: "is not one of the choices"]) }
        return .set(id)
    }

    /// Tags typed into one box, separated by spaces or commas.
    static func tags(_ raw: String?) -> [String] {
        (raw ?? "").split(whereSeparator: { $0 == " " || $0 == "," || $0.isNewline }).map(String.init)
    }

    static func optionalChoice<T: RawRepresentable>(_ raw: String?, _ type: T.Type, field: String) throws -> T?
    where T.RawValue == String {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty, raw != "none" else { return nil }
        guard let value = T(rawValue: raw) else {
            throw RapportError.invalid([field: "'\(raw.prefix(40))' is not a valid choice"])
        }
        return value
    }
}
