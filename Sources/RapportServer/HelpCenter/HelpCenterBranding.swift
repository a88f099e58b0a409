import FluentKit
import Foundation

/// The help center's look: the workspace's name, logo and accent colour.
struct HelpCenterBranding: Codable, Sendable, Equatable {
    static let key = "branding"

    var name: String = "Help Center"
    /// `#rrggbb`.
    var accentColor: String = "#1f5fbf"
    /// The logo file under the data directory, when one was uploaded.
    var logoFile: String?
    var logoContentType: String?
    var tagline: String = "How can we help?"

    static func load(on db: any Database) async throws -> HelpCenterBranding {
        try await WorkspaceSetting.decoded(HelpCenterBranding.self, key: key, on: db) ?? HelpCenterBranding()
    }

    static func isColor(_ text: String) -> Bool {
        text.count == 7 && text.hasPrefix("#") && text.dropFirst().allSatisfy(\.isHexDigit)
    }
}
