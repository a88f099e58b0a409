import Fluent
import RapportCore
import SQLKit
import Vapor

/// The agents' side of the knowledge base: the article list with feedback and deflection
/// figures, categories, and the editor with preview, languages, publish and unpublish.
struct KnowledgeBasePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let kb = routes.grouped("kb")
        kb.get(use: list)
        kb.post("categories", use: createCategory)
        kb.get("new", use: newArticle)
        kb.post(use: create)
        kb.get("articles", ":id", use: edit)
        kb.post("articles", ":id", use: save)
        kb.post("articles", ":id", "delete", use: delete)
    }

    // MARK: List

    struct ArticleRow: Encodable {
        let id: Int
        let title: String
        let category: String
        let state: String
        let isInternal: Bool
        let languages: String
        let helpful: String
        let views: Int
        let publicURL: String?
    }

    struct CategoryRow: Encodable {
        let name: String
        let url: String
        let articles: Int
    }

    struct ListContext: Encodable {
        let page: PageChrome
        let rows: [ArticleRow]
        let hasRows: Bool
        let categories: [CategoryRow]
        let opened: Int
        let deflected: Int
        let problem: String?
    }

    func list(req: Request) async throws -> Response {
        try await renderList(req, problem: nil)
    }

    private func renderList(_ req: Request, problem: String?, status: HTTPStatus = .ok) async throws -> Response {
        let articles = try await KBArticle.query(on: req.db).sort(\.$updatedAt, .descending).limit(500).all()
        let translations = Dictionary(
            grouping: try await KBTranslation.query(on: req.db).filter(\.$articleID ~~ articles.compactMap(\.id)).all(),
            by: \.articleID)
        let categories = try await KBCategory.query(on: req.db).sort(\.$position).sort(\.$name).all()
        let names = Dictionary(uniqueKeysWithValues: categories.compactMap { c in c.id.map { ($0, c.name) } })
        let rows = articles.compactMap { article -> ArticleRow? in
            guard let id = article.id else { return nil }
            let languages = (translations[id] ?? []).sorted { $0.locale < $1.locale }
            let main = languages.first { $0.locale == KnowledgeBaseService.defaultLocale } ?? languages.first
            let published = languages.filter(\.isPublished)
            let state =
                published.isEmpty
                ? "Draft"
                : languages.contains(where: \.hasUnpublishedChanges)
                    ? "Published, with unpublished changes" : "Published"
            return ArticleRow(
                id: id, title: main?.draftTitle ?? "(untitled)",
                category: article.categoryID.flatMap { names[$0] } ?? "—", state: state,
                isInternal: article.isInternal, languages: languages.map(\.locale).joined(separator: ", "),
                helpful: "\(article.helpfulYes) yes · \(article.helpfulNo) no", views: article.views,
                publicURL: article.isInternal || published.isEmpty ? nil : "/help/articles/\(article.slug)")
        }
        let since = req.rapport.clock.now().addingTimeInterval(-30 * 86_400)
        let opened = try await KBSuggestionOpen.query(on: req.db).filter(\.$createdAt >= since).count()
        let deflected = try await Self.deflections(since: since, on: req.db)
        let counts = Dictionary(grouping: articles.compactMap(\.categoryID), by: { $0 }).mapValues(\.count)
        let context = ListContext(
            page: try req.chrome(title: "Knowledge base", section: "kb"), rows: rows, hasRows: !rows.isEmpty,
            categories: categories.compactMap { c in
                c.id.map { CategoryRow(name: c.name, url: "/help/categories/\(c.slug)", articles: counts[$0] ?? 0) }
            },
            opened: opened, deflected: deflected, problem: problem
        )
        return try await req.page("kb-list", context, status: status)
    }

    /// Contact-form visits in which a suggested article was opened and no request was sent.
    static func deflections(since: Date, on db: any Database) async throws -> Int {
        let row = try await db.sql.raw(
            """
            SELECT COUNT(DISTINCT visit) AS n FROM kb_suggestion_opens o
            WHERE o.created_at >= \(bind: since)
              AND NOT EXISTS (SELECT 1 FROM kb_suggestion_opens s WHERE s.visit = o.visit AND s.submitted = \(bind: true))
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    struct CategoryForm: Decodable {
        var name: String?
        var description: String?
        var position: String?
    }

    func createCategory(req: Request) async throws -> Response {
        let form = try req.content.decode(CategoryForm.self)
        do {
            try await req.rapport.knowledgeBase.saveCategory(
                id: nil,
                .init(
                    name: form.name ?? "", description: form.description ?? "",
                    position: Int(form.position ?? "") ?? 10), on: req.db)
            return req.redirect(to: "/kb", notice: .articleSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderList(req, problem: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    // MARK: Editor

    struct LanguageTab: Encodable {
        let locale: String
        let url: String
        let isCurrent: Bool
        let isPublished: Bool
    }

    struct EditorContext: Encodable {
        let page: PageChrome
        let articleID: Int?
        let title: String
        let body: String
        let locale: String
        let isInternal: Bool
        let categoryOptions: [SelectOption]
        let languages: [LanguageTab]
        let hasLanguages: Bool
        let state: String
        let previewHTML: String?
        let publicURL: String?
        let canUnpublish: Bool
        let problem: String?
    }

    func newArticle(req: Request) async throws -> Response {
        var title = ""
        var body = ""
        // "Create article from this reply": start from an agent's answer and its ticket's subject.
        if let messageID = req.queryString("from_message").flatMap(Int.init),
            let message = try await Message.find(messageID, on: req.db),
            message.kind == .reply, message.authorKind == .agent,
            let ticket = try await Ticket.find(message.ticketID, on: req.db)
        {
            title = ticket.subject
            body = message.body
        }
        return try await render(
            req, articleID: nil, title: title, body: body, locale: KnowledgeBaseService.defaultLocale,
            isInternal: false,
            categoryID: nil, preview: nil, problem: nil)
    }

    func create(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let input = Self.input(form)
        if form["intent"] == "preview" {
            return try await render(
                req, articleID: nil, title: input.title, body: input.body, locale: input.locale,
                isInternal: input.isInternal,
                categoryID: input.categoryID, preview: ArticleMarkdown.html(input.body), problem: nil)
        }
        do {
            let id = try await req.rapport.knowledgeBase.createArticle(input, by: try req.agent.id, on: req.db)
            if form["intent"] == "publish" {
                try await req.rapport.knowledgeBase.publish(articleID: id, locale: input.locale, on: req.db)
            }
            return req.redirect(
                to: "/kb/articles/\(id)?lang=\(input.locale)",
                notice: form["intent"] == "publish" ? .articlePublished : .articleSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, articleID: nil, title: input.title, body: input.body, locale: input.locale,
                isInternal: input.isInternal,
                categoryID: input.categoryID, preview: nil, problem: FormErrorWording.sentence(error),
                status: .unprocessableEntity)
        }
    }

    func edit(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Article")
        let article = try await KBArticle.find(id, orNotFound: "Article", on: req.db)
        let locale =
            req.queryString("lang").map { $0.lowercased() }.flatMap { KnowledgeBaseService.isLocale($0) ? $0 : nil }
            ?? KnowledgeBaseService.defaultLocale
        let translation = try await KBTranslation.query(on: req.db).filter(\.$articleID == id).filter(
            \.$locale == locale
        ).first()
        return try await render(
            req, articleID: id, title: translation?.draftTitle ?? "", body: translation?.draftBody ?? "",
            locale: locale,
            isInternal: article.isInternal, categoryID: article.categoryID, preview: nil, problem: nil)
    }

    func save(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Article")
        let form = try req.content.decode([String: String].self)
        let input = Self.input(form)
        let service = req.rapport.knowledgeBase
        do {
            switch form["intent"] {
            case "preview":
                return try await render(
                    req, articleID: id, title: input.title, body: input.body, locale: input.locale,
                    isInternal: input.isInternal,
                    categoryID: input.categoryID, preview: ArticleMarkdown.html(input.body), problem: nil)
            case "unpublish":
                try await service.unpublish(articleID: id, locale: input.locale, on: req.db)
                return req.redirect(to: "/kb/articles/\(id)?lang=\(input.locale)", notice: .articleUnpublished)
            case "publish":
                try await service.saveDraft(articleID: id, input, on: req.db)
                try await service.publish(articleID: id, locale: input.locale, on: req.db)
                return req.redirect(to: "/kb/articles/\(id)?lang=\(input.locale)", notice: .articlePublished)
            default:
                try await service.saveDraft(articleID: id, input, on: req.db)
                return req.redirect(to: "/kb/articles/\(id)?lang=\(input.locale)", notice: .articleSaved)
            }
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, articleID: id, title: input.title, body: input.body, locale: input.locale,
                isInternal: input.isInternal,
                categoryID: input.categoryID, preview: nil, problem: FormErrorWording.sentence(error),
                status: .unprocessableEntity)
        }
    }

    func delete(req: Request) async throws -> Response {
        try await req.rapport.knowledgeBase.deleteArticle(id: try req.idParameter("id", naming: "Article"), on: req.db)
        return req.redirect(to: "/kb", notice: .articleDeleted)
    }

    static func input(_ form: [String: String]) -> KnowledgeBaseService.DraftInput {
        KnowledgeBaseService.DraftInput(
            title: form["title"] ?? "", body: form["body"] ?? "",
            locale: (form["locale"] ?? KnowledgeBaseService.defaultLocale).trimmingCharacters(in: .whitespaces)
                .lowercased(),
            categoryID: form["category_id"].flatMap(Int.init), isInternal: form["internal"] == "true"
        )
    }

    private func render(
        _ req: Request, articleID: Int?, title: String, body: String, locale: String, isInternal: Bool,
        categoryID: Int?,
        preview: String?, problem: String?, status: HTTPStatus = .ok
    ) async throws -> Response {
        let categories = try await KBCategory.query(on: req.db).sort(\.$position).sort(\.$name).all()
        var languages: [LanguageTab] = []
        var state = "New article"
        var publicURL: String?
        var canUnpublish = false
        if let articleID, let article = try await KBArticle.find(articleID, on: req.db) {
            let translations = try await KBTranslation.query(on: req.db).filter(\.$articleID == articleID).sort(
                \.$locale
            ).all()
            languages = translations.map {
                LanguageTab(
                    locale: $0.locale, url: "/kb/articles/\(articleID)?lang=\($0.locale)",
                    isCurrent: $0.locale == locale, isPublished: $0.isPublished)
            }
            let current = translations.first { $0.locale == locale }
            state =
                current == nil
                ? "New language: not saved yet"
                : current!.isPublished
                    ? (current!.hasUnpublishedChanges
                        ? "Published; this draft has changes customers do not see yet" : "Published")
                    : "Draft: customers do not see it"
            canUnpublish = current?.isPublished == true
            if !article.isInternal, current?.isPublished == true {
                publicURL = "/help/articles/\(article.slug)?lang=\(locale)"
            }
        }
        let context = EditorContext(
            page: try req.chrome(title: articleID == nil ? "New article" : "Edit article", section: "kb"),
            articleID: articleID,
            title: title, body: body, locale: locale, isInternal: isInternal,
            categoryOptions: [SelectOption(value: "", label: "No category", selected: categoryID == nil)]
                + categories.compactMap { c in
                    c.id.map { SelectOption(value: String($0), label: c.name, selected: $0 == categoryID) }
                },
            languages: languages, hasLanguages: !languages.isEmpty, state: state, previewHTML: preview,
            publicURL: publicURL, canUnpublish: canUnpublish, problem: problem
        )
        return try await req.page("kb-edit", context, status: status)
    }
}
