import Fluent
import RapportCore
import RapportMail
import Vapor

/// The public help center: categories, articles, search, the contact form with suggestions.
struct HelpCenterPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let help = routes.grouped("help")
        help.get(use: home)
        help.get("search", use: search)
        help.get("categories", ":slug", use: category)
        help.get("articles", ":slug", use: article)
        help.post("articles", ":slug", "feedback", use: feedback)
        help.get("suggestions", use: suggestions)
        help.post("suggestions", "opened", use: suggestionOpened)
        help.get("contact", use: contactForm)
        help.post("contact", use: submitContact)
        help.get("logo", use: logo)
        help.get("brand.css", use: brandStylesheet)
    }

    // MARK: Browsing

    struct ArticleLink: Encodable {
        let title: String
        let url: String
        let snippetHTML: String
    }

    struct CategoryCard: Encodable {
        let name: String
        let description: String
        let url: String
        let articles: [ArticleLink]
        let countText: String
    }

    struct HomeContext: Encodable {
        let help: HelpChrome
        let categories: [CategoryCard]
        let hasCategories: Bool
        let uncategorized: [ArticleLink]
        let hasUncategorized: Bool
    }

    func home(req: Request) async throws -> Response {
        let locale = Self.locale(req)
        let categories = try await KBCategory.query(on: req.db).sort(\.$position).sort(\.$name).all()
        let articles = try await PublishedArticles.list(categoryID: nil, locale: locale, on: req.db)
        let cards = categories.compactMap { category -> CategoryCard? in
            let inCategory = articles.filter { $0.categoryID == category.id }
            guard !inCategory.isEmpty else { return nil }
            return CategoryCard(
                name: category.name, description: category.description, url: "/help/categories/\(category.slug)",
                articles: inCategory.prefix(5).map(Self.link),
                countText: inCategory.count == 1 ? "1 article" : "All \(inCategory.count) articles")
        }
        let uncategorized = articles.filter { $0.categoryID == nil }.prefix(10).map(Self.link)
        return try await req.helpPage(
            "help-home",
            HomeContext(
                help: try await req.helpChrome(title: "Help center"), categories: cards,
                hasCategories: !cards.isEmpty, uncategorized: Array(uncategorized),
                hasUncategorized: !uncategorized.isEmpty))
    }

    struct CategoryContext: Encodable {
        let help: HelpChrome
        let name: String
        let description: String
        let articles: [ArticleLink]
    }

    func category(req: Request) async throws -> Response {
        let slug = req.parameters.get("slug") ?? ""
        guard let category = try await KBCategory.query(on: req.db).filter(\.$slug == slug).first() else {
            throw RapportError.notFound("This help topic")
        }
        let articles = try await PublishedArticles.list(
            categoryID: try category.requireID, locale: Self.locale(req), on: req.db)
        return try await req.helpPage(
            "help-category",
            CategoryContext(
                help: try await req.helpChrome(title: category.name), name: category.name,
                description: category.description, articles: articles.map(Self.link)))
    }

    struct LanguageLink: Encodable {
        let locale: String
        let url: String
        let isCurrent: Bool
    }

    struct ArticleContext: Encodable {
        let help: HelpChrome
        let title: String
        let bodyHTML: String
        let updated: String
        let locale: String
        let languages: [LanguageLink]
        let hasLanguages: Bool
        let related: [ArticleLink]
        let hasRelated: Bool
        let slug: String
        let categoryName: String?
        let categoryURL: String?
        let thanked: Bool
    }

    func article(req: Request) async throws -> Response {
        let slug = req.parameters.get("slug") ?? ""
        guard
            let article = try await KBArticle.query(on: req.db).filter(\.$slug == slug).filter(\.$isInternal == false)
                .first()
        else {
            throw RapportError.notFound("This article")
        }
        let articleID = try article.requireID
        let published = try await KBTranslation.query(on: req.db).filter(\.$articleID == articleID).filter(
            \.$publishedAt != nil
        ).sort(\.$locale).all()
        let wanted = Self.locale(req)
        let language = wanted.split(separator: "-").first.map(String.init) ?? wanted
        guard
            let translation = published.first(where: { $0.locale == wanted }) ?? published.first(where: {
                $0.locale == language
            })
                ?? published.first(where: { $0.locale == KnowledgeBaseService.defaultLocale }) ?? published.first,
            let title = translation.publishedTitle, let body = translation.publishedBody
        else {
            throw RapportError.notFound("This article")
        }
        try await req.rapport.knowledgeBase.recordView(articleID: articleID, on: req.db)
        let category = try await article.categoryID.asyncMap { try await KBCategory.find($0, on: req.db) } ?? nil
        let related = try await req.rapport.knowledgeBase.related(to: article, title: title, on: req.db)
        let context = ArticleContext(
            help: try await req.helpChrome(title: title), title: title, bodyHTML: ArticleMarkdown.html(body),
            updated: PageDates.full(translation.publishedAt ?? article.updatedAt), locale: translation.locale,
            languages: published.map {
                LanguageLink(
                    locale: $0.locale, url: "/help/articles/\(slug)?lang=\($0.locale)",
                    isCurrent: $0.locale == translation.locale)
            },
            hasLanguages: published.count > 1,
            related: related.map { ArticleLink(title: $0.title, url: "/help/articles/\($0.slug)", snippetHTML: "") },
            hasRelated: !related.isEmpty,
            slug: slug, categoryName: category?.name, categoryURL: category.map { "/help/categories/\($0.slug)" },
            thanked: req.queryString("thanks") != nil
        )
        return try await req.helpPage("help-article", context)
    }

    struct FeedbackForm: Decodable {
        var helpful: String?
        var visit: String?
    }

    /// How many visitors at one address may say whether an article helped, each day.
    static let votesPerAddress = 3

    /// `POST /help/articles/:slug/feedback` — "was this helpful?", once per visitor and article a
    /// day, and at most `votesPerAddress` times per client address.
    func feedback(req: Request) async throws -> Response {
        let slug = req.parameters.get("slug") ?? ""
        let form = try req.content.decode(FeedbackForm.self)
        let visitor = try HelpVisitor.check(req, submitted: form.visit)
        guard
            let article = try await KBArticle.query(on: req.db).filter(\.$slug == slug).filter(\.$isInternal == false)
                .first()
        else {
            throw RapportError.notFound("This article")
        }
        // Once per visitor; and since a new cookie makes a new visitor, a few times per address
        // (an office or a household shares one).
        let limits = req.rapport.sharedLimits
        if try await limits.allow("vote-\(slug)", from: visitor, limit: 1, per: 86_400, on: req.db),
            try await limits.allow(
                "vote-\(slug)", from: "address:" + HelpVisitor.address(req), limit: Self.votesPerAddress, per: 86_400,
                on: req.db)
        {
            try await req.rapport.knowledgeBase.recordFeedback(
                articleID: try article.requireID, helpful: form.helpful == "yes", on: req.db)
        }
        return req.redirect(to: "/help/articles/\(slug)?thanks=1", redirectType: .normal)
    }

    struct SearchContext: Encodable {
        let help: HelpChrome
        let query: String
        let results: [ArticleLink]
        let hasResults: Bool
        let searched: Bool
    }

    func search(req: Request) async throws -> Response {
        let text = String((req.queryString("q") ?? "").prefix(200))
        let hits = try await req.rapport.knowledgeBase.search(SearchQuery(text), limit: 30, on: req.db)
        let context = SearchContext(
            help: try await req.helpChrome(title: text.isEmpty ? "Search" : "Search: \(text)"), query: text,
            results: hits.map {
                ArticleLink(title: $0.title, url: "/help/articles/\($0.slug)", snippetHTML: $0.snippetHTML)
            },
            hasResults: !hits.isEmpty, searched: !SearchQuery(text).isEmpty)
        return try await req.helpPage("help-search", context)
    }

    struct Suggestion: Content {
        let id: Int
        let title: String
        let url: String
    }

    struct SuggestionList: Content {
        let articles: [Suggestion]
    }

    /// `GET /help/suggestions?q=` — articles that may answer what the visitor is typing.
    func suggestions(req: Request) async throws -> SuggestionList {
        let text = String((req.queryString("q") ?? "").prefix(300))
        guard await req.rapport.visitorLimits.allow("suggest", from: HelpVisitor.address(req), limit: 120, per: 60)
        else {
            throw RapportError(.tooManyRequests, code: "slow_down", reason: "Too many searches; wait a moment.")
        }
        let hits = try await req.rapport.knowledgeBase.suggestions(for: text, on: req.db)
        return SuggestionList(
            articles: hits.map { Suggestion(id: $0.articleID, title: $0.title, url: "/help/articles/\($0.slug)") })
    }

    struct OpenedForm: Decodable {
        var visit: String?
        var articleID: Int?
        enum CodingKeys: String, CodingKey {
            case visit
            case articleID = "article_id"
        }
    }

    /// `POST /help/suggestions/opened` — the contact form's script says a suggestion was opened.
    func suggestionOpened(req: Request) async throws -> HTTPStatus {
        let form = try req.content.decode(OpenedForm.self)
        let visit = try HelpVisitor.check(req, submitted: form.visit)
        guard let articleID = form.articleID,
            try await KBArticle.query(on: req.db).filter(\.$id == articleID).filter(\.$isInternal == false).count() == 1
        else {
            return .noContent
        }
        guard await req.rapport.visitorLimits.allow("opened", from: visit, limit: 30, per: 3600) else {
            return .noContent
        }
        let open = KBSuggestionOpen()
        open.visit = visit
        open.articleID = articleID
        open.submitted = false
        open.createdAt = req.rapport.clock.now()
        try await open.create(on: req.db)
        return .noContent
    }

    // MARK: Contact form

    struct ContactForm: Codable, Sendable {
        var name: String?
        var email: String?
        var subject: String?
        var message: String?
        /// The honeypot: hidden from people, filled in by bots.
        var website: String?
        var visit: String?
    }

    struct ContactContext: Encodable {
        let help: HelpChrome
        let form: ContactForm
        let problems: [String]
        let hasProblems: Bool
    }

    func contactForm(req: Request) async throws -> Response {
        var form = ContactForm()
        if let portal = try await req.portalCustomer() {
            form.name = portal.customer.name
            form.email = try await CustomerEmail.query(on: req.db).filter(\.$customerID == portal.customer.requireID)
                .sort(\.$isPrimary, .descending).first()?.address
        }
        form.subject = req.queryString("subject").map { String($0.prefix(200)) }
        return try await req.helpPage(
            "help-contact",
            ContactContext(
                help: try await req.helpChrome(title: "Contact us"), form: form, problems: [], hasProblems: false))
    }

    struct SentContext: Encodable {
        let help: HelpChrome
        let number: Int?
        let email: String
    }

    func submitContact(req: Request) async throws -> Response {
        var form = try req.content.decode(ContactForm.self)
        let visit = try HelpVisitor.check(req, submitted: form.visit)
        let trap = form.website ?? ""
        form.website = nil
        // A bot filled in the hidden field: thank it and keep nothing.
        if !trap.isEmpty {
            return try await req.helpPage(
                "help-contact-sent",
                SentContext(help: try await req.helpChrome(title: "Thank you"), number: nil, email: form.email ?? ""))
        }
        guard
            try await req.rapport.sharedLimits.allow(
                "contact", from: HelpVisitor.address(req), limit: 5, per: 600, on: req.db)
        else {
            return try await req.helpPage(
                "help-contact",
                ContactContext(
                    help: try await req.helpChrome(title: "Contact us"), form: form,
                    problems: [
                        "You have sent several requests in the last few minutes. Please wait ten minutes and send this one again; your text is still here."
                    ],
                    hasProblems: true), status: .tooManyRequests)
        }
        var problems: [String] = []
        let name = (form.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let email = (form.email ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let subject = (form.subject ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let message = (form.message ?? "").withUnixLineEnds.trimmingCharacters(
            in: .whitespacesAndNewlines)
        if (try? EmailAddress(email)) == nil {
            problems.append("Your email address: we need it to answer you (like name@example.com).")
        }
        if subject.isEmpty { problems.append("Subject: tell us in a few words what it is about.") }
        if subject.count > TicketLimits.subjectMaximumLength {
            problems.append("Subject: at most \(TicketLimits.subjectMaximumLength) characters.")
        }
        if message.isEmpty { problems.append("Message: describe what happened, so we can help the first time.") }
        if message.count > 20_000 { problems.append("Message: at most 20,000 characters.") }
        if name.count > 200 { problems.append("Name: at most 200 characters.") }
        guard problems.isEmpty else {
            return try await req.helpPage(
                "help-contact",
                ContactContext(
                    help: try await req.helpChrome(title: "Contact us"), form: form,
                    problems: problems, hasProblems: true), status: .unprocessableEntity)
        }
        let ticket = NewTicket(
            subject: subject, requester: .email(email, name: name.isEmpty ? nil : name),
            firstMessage: NewMessage(kind: .reply, author: .customer, body: message), channel: .web)
        let tickets = req.rapport.tickets
        let prepared = try await tickets.prepare(ticket, by: .system, on: req.db)
        // The request is always kept; the acknowledgement goes to one address at most a few times
        // an hour, so the form cannot be used to make the support address mail someone over and over.
        let acknowledge = try await req.rapport.sharedLimits.allow(
            "contact-acknowledgement", from: email.lowercased(), limit: 3, per: 3600, on: req.db)
        let number = try await req.db.write { tx in
            let written = try await tickets.create(
                prepared, by: .system, acknowledge: acknowledge ? AcknowledgementRequest(inReplyTo: nil) : nil, in: tx)
            // The suggestions this visitor opened did not answer them.
            try await KBSuggestionOpen.query(on: tx.db).filter(\.$visit == visit).set(\.$submitted, to: true).update()
            return written.ticketID
        }
        return try await req.helpPage(
            "help-contact-sent",
            SentContext(help: try await req.helpChrome(title: "Thank you"), number: number, email: email))
    }

    // MARK: Logo

    func logo(req: Request) async throws -> Response {
        let branding = try await HelpCenterBranding.load(on: req.db)
        guard let file = branding.logoFile, let type = branding.logoContentType,
            let data = FileManager.default.contents(
                atPath: req.rapport.settings.dataDirectory.appendingPathComponent(file).path)
        else {
            throw RapportError.notFound("The logo")
        }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "image", subType: String(type.dropFirst("image/".count)))
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return response
    }

    /// The accent colour as a stylesheet (the pages allow no inline styles).
    func brandStylesheet(req: Request) async throws -> Response {
        let branding = try await HelpCenterBranding.load(on: req.db)
        let color =
            HelpCenterBranding.isColor(branding.accentColor) ? branding.accentColor : HelpCenterBranding().accentColor
        let response = Response(status: .ok, body: .init(string: ":root { --brand: \(color); }\n"))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        return response
    }

    // MARK: Helpers

    static func locale(_ req: Request) -> String {
        if let chosen = req.queryString("lang"), KnowledgeBaseService.isLocale(chosen.lowercased()) {
            return chosen.lowercased()
        }
        let accepted =
            req.headers.first(name: .acceptLanguage)?.split(separator: ",").first?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return KnowledgeBaseService.isLocale(accepted) ? accepted : KnowledgeBaseService.defaultLocale
    }

    static func link(_ entry: PublishedArticles.Entry) -> ArticleLink {
        ArticleLink(title: entry.title, url: "/help/articles/\(entry.slug)", snippetHTML: "")
    }
}
