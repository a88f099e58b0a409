import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Categories and articles: writing drafts, publishing them per language, the published-only
/// search index, related articles, suggestions and "was this helpful?" counts.
struct KnowledgeBaseService: Sendable {
    let clock: any WallClock

    static let defaultLocale = "en"
    static let titleMaximumLength = 200
    static let bodyMaximumLength = 100_000

    // MARK: Categories

    struct CategoryInput: Sendable {
        var name: String
        var description: String
        var position: Int
    }

    @discardableResult
    func saveCategory(id: Int?, _ input: CategoryInput, on db: any Database) async throws -> Int {
        var problems = FieldErrors()
        let name = problems.requiredText(input.name, field: "name", maximumLength: 120)
        if input.description.count > 500 { problems.add("description", "must be at most 500 characters") }
        let slug = Slug.make(name)
        if slug.isEmpty, !name.isEmpty {
            problems.add("name", "needs at least one letter or digit for its web address")
        }
        try problems.throwIfAny()
        let category: KBCategory =
            if let id { try await KBCategory.find(id, orNotFound: "Category", on: db) } else { KBCategory() }
        if category.id == nil || category.name != name {
            category.slug = try await uniqueSlug(slug, in: KBCategory.schema, excluding: id, on: db)
        }
        let now = clock.now()
        category.name = name
        category.description = input.description.trimmingCharacters(in: .whitespacesAndNewlines)
        category.position = input.position
        category.updatedAt = now
        if id == nil {
            category.createdAt = now
            try await category.create(on: db)
        } else {
            try await category.update(on: db)
        }
        return try category.requireID
    }

    // MARK: Articles

    struct DraftInput: Sendable {
        var title: String
        var body: String
        var locale: String = KnowledgeBaseService.defaultLocale
        var categoryID: Int?
        var isInternal: Bool = false
    }

    /// Creates an article with its first draft. Returns the article id.
    func createArticle(_ input: DraftInput, by agentID: Int?, on db: any Database) async throws -> Int {
        let (title, body, locale) = try validate(input)
        try await checkCategory(input.categoryID, on: db)
        return try await db.write { tx in
            let now = clock.now()
            let article = KBArticle()
            article.categoryID = input.categoryID
            article.slug = try await uniqueSlug(
                Slug.make(title).isEmpty ? "article" : Slug.make(title), in: KBArticle.schema, excluding: nil, on: tx.db
            )
            article.isInternal = input.isInternal
            article.position = 0
            article.helpfulYes = 0
            article.helpfulNo = 0
            article.views = 0
            article.authorAgentID = agentID
            article.createdAt = now
            article.updatedAt = now
            try await article.create(on: tx.db)
            let translation = KBTranslation()
            translation.articleID = try article.requireID
            translation.locale = locale
            translation.draftTitle = title
            translation.draftBody = body
            translation.draftUpdatedAt = now
            try await translation.create(on: tx.db)
            return try article.requireID
        }
    }

    /// Saves a draft in one language (adding the language if it is new) and the article's
    /// settings. What customers see changes only on `publish`.
    func saveDraft(articleID: Int, _ input: DraftInput, on db: any Database) async throws {
        let (title, body, locale) = try validate(input)
        try await checkCategory(input.categoryID, on: db)
        try await db.write { tx in
            let article = try await KBArticle.find(articleID, orNotFound: "Article", on: tx.db)
            let now = clock.now()
            let translation =
                try await KBTranslation.query(on: tx.db).filter(\.$articleID == articleID).filter(\.$locale == locale)
                .first() ?? KBTranslation()
            if translation.id == nil {
                translation.articleID = articleID
                translation.locale = locale
            }
            translation.draftTitle = title
            translation.draftBody = body
            translation.draftUpdatedAt = now
            try await translation.save(on: tx.db)
            let visibilityChanged = article.isInternal != input.isInternal
            article.categoryID = input.categoryID
            article.isInternal = input.isInternal
            article.updatedAt = now
            try await article.update(on: tx.db)
            if visibilityChanged { try await reindex(articleID: articleID, on: tx.db) }
        }
    }

    /// Makes the draft of one language what customers see.
    func publish(articleID: Int, locale: String, on db: any Database) async throws {
        try await db.write { tx in
            guard
                let translation = try await KBTranslation.query(on: tx.db).filter(\.$articleID == articleID).filter(
                    \.$locale == locale
                ).first()
            else {
                throw RapportError.notFound("The \(locale) version of article \(articleID)")
            }
            let now = clock.now()
            translation.publishedTitle = translation.draftTitle
            translation.publishedBody = translation.draftBody
            translation.publishedAt = now
            try await translation.update(on: tx.db)
            try await KBArticle.query(on: tx.db).filter(\.$id == articleID).set(\.$updatedAt, to: now).update()
            try await reindex(articleID: articleID, on: tx.db)
        }
    }

    /// Takes one language off the help center; the draft stays.
    func unpublish(articleID: Int, locale: String, on db: any Database) async throws {
        try await db.write { tx in
            try await KBTranslation.query(on: tx.db).filter(\.$articleID == articleID).filter(\.$locale == locale)
                .set(\.$publishedAt, to: nil).set(\.$publishedTitle, to: nil).set(\.$publishedBody, to: nil).update()
            try await reindex(articleID: articleID, on: tx.db)
        }
    }

    func deleteArticle(id: Int, on db: any Database) async throws {
        try await db.write { tx in
            let article = try await KBArticle.find(id, orNotFound: "Article", on: tx.db)
            let translations = try await KBTranslation.query(on: tx.db).filter(\.$articleID == id).all(\.$id)
            if tx.flavor == .sqlite, !translations.isEmpty {
                try await tx.sql.raw("DELETE FROM kb_search WHERE rowid IN \(SQLBind.group(translations))").run()
            }
            try await article.delete(on: tx.db)
        }
    }

    /// Counts a reader's answer to "was this helpful?".
    func recordFeedback(articleID: Int, helpful: Bool, on db: any Database) async throws {
        let column: SQLQueryString = helpful ? "helpful_yes = helpful_yes + 1" : "helpful_no = helpful_no + 1"
        try await db.sql.raw(
            "UPDATE kb_articles SET \(column) WHERE id = \(bind: articleID) AND is_internal = \(bind: false)"
        ).run()
    }

    func recordView(articleID: Int, on db: any Database) async throws {
        try await db.sql.raw("UPDATE kb_articles SET views = views + 1 WHERE id = \(bind: articleID)").run()
    }

    // MARK: Search

    /// Puts the article's published, public languages in the search index and removes the rest.
    func reindex(articleID: Int, on db: any Database) async throws {
        guard let article = try await KBArticle.find(articleID, on: db) else { return }
        let translations = try await KBTranslation.query(on: db).filter(\.$articleID == articleID).all()
        for translation in translations {
            let id = try translation.requireID
            let searchable = !article.isInternal && translation.isPublished
            // The words readers see, not the Markdown: snippets show "Reset your password", never
            // "## Reset **your** password".
            let body = ArticleMarkdown.plainText(translation.publishedBody ?? "")
            switch db.flavor {
            case .sqlite:
                try await db.sql.raw("DELETE FROM kb_search WHERE rowid = \(bind: id)").run()
                if searchable {
                    try await db.sql.raw(
                        "INSERT INTO kb_search (rowid, title, body) VALUES (\(bind: id), \(bind: translation.publishedTitle ?? ""), \(bind: body))"
                    ).run()
                }
            case .postgres:
                try await db.sql.raw("DELETE FROM kb_search WHERE translation_id = \(bind: id)").run()
                if searchable {
                    try await db.sql.raw(
                        """
                        INSERT INTO kb_search (translation_id, title, body, document) VALUES (\(bind: id), \(bind: translation.publishedTitle ?? ""), \(bind: body),
                            setweight(to_tsvector('english', \(bind: translation.publishedTitle ?? "")), 'A') || setweight(to_tsvector('english', \(bind: body)), 'B'))
                        """
                    ).run()
                }
            }
        }
    }

    struct SearchHit: Sendable {
        let articleID: Int
        let slug: String
        let title: String
        let locale: String
        let snippetHTML: String
    }

    /// Published public articles matching the query, best first. Only the published index is
    /// read, so drafts and internal articles can never appear.
    func search(_ query: SearchQuery, locale: String? = nil, limit: Int = 20, on db: any Database) async throws
        -> [SearchHit]
    {
        guard !query.isEmpty else { return [] }
        struct Row: Decodable {
            let articleID: Int
            let slug: String
            let title: String
            let locale: String
            let snippet: String?
        }
        let localeFilter: SQLQueryString = locale.map { "AND tr.locale = \(bind: $0)" } ?? ""
        let rows: [Row]
        switch db.flavor {
        case .sqlite:
            rows = try await db.sql.raw(
                """
                SELECT a.id AS "articleID", a.slug AS "slug", tr.published_title AS "title", tr.locale AS "locale",
                    snippet(kb_search, 1, \(bind: SnippetMarkup.startMarker), \(bind: SnippetMarkup.endMarker), '…', 18) AS "snippet"
                FROM kb_search JOIN kb_translations tr ON tr.id = kb_search.rowid JOIN kb_articles a ON a.id = tr.article_id
                WHERE kb_search MATCH \(bind: query.fts5MatchExpression) AND a.is_internal = \(bind: false) AND tr.published_at IS NOT NULL \(localeFilter)
                ORDER BY bm25(kb_search, 8.0, 1.0), a.id
                LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self)
        case .postgres:
            let options =
                "StartSel=\(SnippetMarkup.startMarker), StopSel=\(SnippetMarkup.endMarker), MaxWords=28, MinWords=10, MaxFragments=1"
            rows = try await db.sql.raw(
                """
                SELECT a.id AS "articleID", a.slug AS "slug", tr.published_title AS "title", tr.locale AS "locale",
                    ts_headline('english', s.body, q.query, \(bind: options)) AS "snippet"
                FROM kb_search s
                CROSS JOIN (SELECT to_tsquery('english', \(bind: query.tsqueryMatchExpression)) AS query) q
                JOIN kb_translations tr ON tr.id = s.translation_id JOIN kb_articles a ON a.id = tr.article_id
                WHERE s.document @@ q.query AND a.is_internal = \(bind: false) AND tr.published_at IS NOT NULL \(localeFilter)
                ORDER BY ts_rank(s.document, q.query) DESC, a.id
                LIMIT \(bind: limit)
                """
            ).all(decoding: Row.self)
        }
        var seen = Set<Int>()
        return rows.compactMap { row in
            guard seen.insert(row.articleID).inserted else { return nil }
            return SearchHit(
                articleID: row.articleID, slug: row.slug, title: row.title, locale: row.locale,
                snippetHTML: SnippetMarkup.html(fromMarked: row.snippet ?? ""))
        }
    }

    /// Articles that may answer a free text (a subject being typed, a ticket's conversation).
    func suggestions(for text: String, limit: Int = 5, on db: any Database) async throws -> [SearchHit] {
        try await search(SearchQuery(String(text.prefix(2_000))).anyTerm, limit: limit, on: db)
    }

    /// Other published articles of the same category, then ones that share words with the title.
    func related(to article: KBArticle, title: String, limit: Int = 5, on db: any Database) async throws -> [SearchHit]
    {
        let articleID = try article.requireID
        var hits = try await suggestions(for: title, limit: limit + 1, on: db).filter { $0.articleID != articleID }
        if hits.count < limit, let categoryID = article.categoryID {
            let siblings = try await PublishedArticles.list(categoryID: categoryID, locale: nil, on: db)
            for sibling in siblings
            where sibling.articleID != articleID && !hits.contains(where: { $0.articleID == sibling.articleID }) {
                hits.append(
                    SearchHit(
                        articleID: sibling.articleID, slug: sibling.slug, title: sibling.title, locale: sibling.locale,
                        snippetHTML: ""))
            }
        }
        return Array(hits.prefix(limit))
    }

    // MARK: Helpers

    private func validate(_ input: DraftInput) throws -> (String, String, String) {
        var problems = FieldErrors()
        let title = problems.requiredText(input.title, field: "title", maximumLength: Self.titleMaximumLength)
        let body = input.body.withUnixLineEnds
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.add("body", "must not be empty") }
        if body.count > Self.bodyMaximumLength {
            problems.add("body", "must be at most \(Self.bodyMaximumLength) characters")
        }
        let locale = input.locale.trimmingCharacters(in: .whitespaces).lowercased()
        if !Self.isLocale(locale) {
            problems.add("locale", "'\(locale.prefix(20))' is not a language code like en, de or pt-br")
        }
        try problems.throwIfAny()
        return (title, body, locale)
    }

    static func isLocale(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), (2...3).contains(parts[0].count),
            parts[0].allSatisfy({ $0.isASCII && $0.isLetter })
        else { return false }
        return parts.count == 1
            || ((2...8).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }

    private func checkCategory(_ id: Int?, on db: any Database) async throws {
        if let id, try await KBCategory.find(id, on: db) == nil {
            throw RapportError.invalid(["category_id": "no category has id \(id)"])
        }
    }

    /// `base`, or `base-2`, `base-3` … whichever no other row of the table uses.
    private func uniqueSlug(_ base: String, in table: String, excluding id: Int?, on db: any Database) async throws
        -> String
    {
        let rows = try await db.sql.raw(
            "SELECT slug, id FROM \(unsafeRaw: table) WHERE slug = \(bind: base) OR slug LIKE \(bind: base + "-%")"
        ).all()
        let taken = Set(
            try rows.compactMap { row -> String? in
                let rowID = try row.decode(column: "id", as: Int.self)
                return rowID == id ? nil : try row.decode(column: "slug", as: String.self)
            })
        if !taken.contains(base) { return base }
        var number = 2
        while taken.contains("\(base)-\(number)") { number += 1 }
        return "\(base)-\(number)"
    }

}

/// Reading what the help center shows: published languages of public articles.
enum PublishedArticles {
    struct Entry: Decodable, Sendable {
        let articleID: Int
        let slug: String
        let title: String
        let locale: String
        let categoryID: Int?
    }

    /// The public, published articles of a category (or all), one language each: `locale`
    /// where it exists, else English, else the first published.
    static func list(categoryID: Int?, locale: String?, limit: Int = 500, on db: any Database) async throws -> [Entry] {
        let category: SQLQueryString = categoryID.map { "AND a.category_id = \(bind: $0)" } ?? ""
        let rows = try await db.sql.raw(
            """
            SELECT a.id AS "articleID", a.slug AS "slug", tr.published_title AS "title", tr.locale AS "locale", a.category_id AS "categoryID"
            FROM kb_articles a JOIN kb_translations tr ON tr.article_id = a.id
            WHERE a.is_internal = \(bind: false) AND tr.published_at IS NOT NULL \(category)
            ORDER BY a.position, a.id, tr.locale
            LIMIT \(bind: limit * 4)
            """
        ).all(decoding: Entry.self)
        return Array(pickLanguage(rows, preferred: locale).prefix(limit))
    }

    static func pickLanguage(_ rows: [Entry], preferred: String?) -> [Entry] {
        var chosen: [Int: Entry] = [:]
        var order: [Int] = []
        for row in rows {
            guard let current = chosen[row.articleID] else {
                chosen[row.articleID] = row
                order.append(row.articleID)
                continue
            }
            func score(_ entry: Entry) -> Int {
                entry.locale == preferred ? 2 : entry.locale == KnowledgeBaseService.defaultLocale ? 1 : 0
            }
            if score(row) > score(current) { chosen[row.articleID] = row }
        }
        return order.compactMap { chosen[$0] }
    }
}
