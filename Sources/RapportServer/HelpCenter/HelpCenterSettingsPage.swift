import Fluent
import RapportCore
import Vapor

/// Admin → Help center: the name, tagline, accent colour and logo customers see.
struct HelpCenterSettingsPage: RouteCollection {
    let maximumLogoBytes: Int

    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin", "help-center").grouped(RequireAdminPageMiddleware())
        admin.get(use: show)
        admin.on(.POST, body: .collect(maxSize: ByteCount(value: maximumLogoBytes + 64 * 1024)), use: save)
    }

    struct Context: Encodable {
        let page: PageChrome
        let branding: HelpCenterBranding
        let problems: [String]
        let hasProblems: Bool
        let publicURL: String
    }

    func show(req: Request) async throws -> Response {
        try await render(req, branding: try await HelpCenterBranding.load(on: req.db), problems: [])
    }

    private func render(_ req: Request, branding: HelpCenterBranding, problems: [String], status: HTTPStatus = .ok)
        async throws -> Response
    {
        try await req.page(
            "admin-help-center",
            Context(
                page: try req.chrome(title: "Help center", section: "admin"), branding: branding,
                problems: problems, hasProblems: !problems.isEmpty, publicURL: req.rapport.settings.publicURL),
            status: status)
    }

    struct Form: Decodable {
        var name: String?
        var tagline: String?
        var accentColor: String?
        var logo: File?
        var removeLogo: String?
        enum CodingKeys: String, CodingKey {
            case name, tagline
            case accentColor = "accent_color"
            case logo
            case removeLogo = "remove_logo"
        }
    }

    /// The image types a logo may be, by their first bytes. SVG is not among them: it can carry script.
    static func imageType(_ data: Data) -> (contentType: String, ext: String)? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return ("image/png", "png") }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return ("image/jpeg", "jpg") }
        if bytes.starts(with: Array("GIF8".utf8)) { return ("image/gif", "gif") }
        if bytes.count >= 12, bytes[0..<4].elementsEqual(Array("RIFF".utf8)),
            bytes[8..<12].elementsEqual(Array("WEBP".utf8))
        {
            return ("image/webp", "webp")
        }
        return nil
    }

    func save(req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        var branding = try await HelpCenterBranding.load(on: req.db)
        var problems: [String] = []
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 80 { problems.append("Name: between 1 and 80 characters.") }
        let tagline = (form.tagline ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if tagline.count > 120 { problems.append("Tagline: at most 120 characters.") }
        let color = (form.accentColor ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if !HelpCenterBranding.isColor(color) { problems.append("Accent colour: a hex colour like #1f5fbf.") }
        var logo: (Data, String, String)?
        if let file = form.logo, file.data.readableBytes > 0 {
            let data = Data(file.data.readableBytesView)
            if data.count > maximumLogoBytes {
                problems.append("Logo: at most \(maximumLogoBytes / 1024) KB.")
            } else if let type = Self.imageType(data) {
                logo = (data, type.contentType, type.ext)
            } else {
                problems.append("Logo: use a PNG, JPEG, GIF or WebP image.")
            }
        }
        branding.name = name.isEmpty ? branding.name : String(name.prefix(80))
        branding.tagline = String(tagline.prefix(120))
        if HelpCenterBranding.isColor(color) { branding.accentColor = color }
        guard problems.isEmpty else {
            return try await render(req, branding: branding, problems: problems, status: .unprocessableEntity)
        }
        let directory = req.rapport.settings.dataDirectory.appendingPathComponent("branding", isDirectory: true)
        if let (data, contentType, ext) = logo {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: directory.appendingPathComponent("logo.\(ext)"), options: .atomic)
            branding.logoFile = "branding/logo.\(ext)"
            branding.logoContentType = contentType
        } else if form.removeLogo == "true" {
            branding.logoFile = nil
            branding.logoContentType = nil
        }
        try await WorkspaceSetting.store(
            branding, key: HelpCenterBranding.key, now: req.rapport.clock.now(), on: req.db)
        return req.redirect(to: "/admin/help-center", notice: .helpCenterSaved)
    }
}
