import Foundation

/// A telephone number as callers give it ("+44 20 7946 0958", "(555) 010-4477", "0044 20…"),
/// reduced to the form two spellings of one number share: "+" and digits, "00" read as "+".
public enum PhoneNumber {
    public static let minimumDigits = 5
    public static let maximumDigits = 17

    /// The comparable form, or nil when the text is not a phone number (letters, too few or too
    /// many digits). An extension ("ext. 12", "x12") is not part of the number.
    public static func normalized(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        for marker in ["ext.", "ext", " x", "#"] {
            if let range = text.range(of: marker) { text = String(text[..<range.lowerBound]) }
        }
        // "+44 (0)20 …": the trunk 0 in brackets is dialled only from inside the country.
        if text.hasPrefix("+") || text.hasPrefix("00") { text = text.replacingOccurrences(of: "(0)", with: "") }
        var digits = ""
        var international = false
        for (index, character) in text.enumerated() {
            switch character {
            case "0"..."9": digits.append(character)
            case "+" where index == 0 && digits.isEmpty: international = true
            case " ", "-", ".", "(", ")", "/", "\u{00A0}": continue
            default: return nil
            }
        }
        if !international, digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        guard (minimumDigits...maximumDigits).contains(digits.count) else { return nil }
        return (international ? "+" : "") + digits
    }
}
