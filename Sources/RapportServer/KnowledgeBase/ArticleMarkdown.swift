import FluentKit
import Foundation
import Ink
import RapportCore
import RapportMail

/// Article Markdown as HTML that is safe to put in a page: Ink renders it, then `SafeHTML`
/// keeps only formatting, links and images, so raw HTML or script in an article never runs.
enum ArticleMarkdown {
    static func html(_ markdown: String) -> String {
        let parser = MarkdownParser()
        return SafeHTML.sanitize(parser.html(from: markdown))
    }

    /// The article as the words a reader sees: for the search index and its snippets.
    static func plainText(_ markdown: String) -> String {
        HTMLText.plainText(html(markdown)).split(separator: "\n", omittingEmptySubsequences: false).map {
            line -> Substring in
            // List bullets are layout, not words: a snippet should not begin "- Press Menu".
            let trimmed = line.drop(while: { $0 == " " })
            for marker in ["- ", "* ", "• "] where trimmed.hasPrefix(marker) { return trimmed.dropFirst(marker.count) }
            if let dot = trimmed.firstIndex(of: "."), trimmed[..<dot].allSatisfy(\.isNumber), !trimmed[..<dot].isEmpty,
                trimmed[trimmed.index(after: dot)...].hasPrefix(" ")
            {
                return trimmed[trimmed.index(dot, offsetBy: 2)...]
            }
            return line
        }.joined(separator: "\n")
    }
}

/// Search snippets came from the articles' Markdown; they come from their text now.
struct ReindexArticlesAsText: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let service = KnowledgeBaseService(clock: SystemWallClock())
        for id in try await KBArticle.query(on: database).all(\.$id) {
            try await service.reindex(articleID: id, on: database)
        }
    }

    func revert(on database: any Database) async throws {}
}
