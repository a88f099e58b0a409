import FluentKit
import Foundation
import RapportCore
import SQLKit

/// A section of the help center ("Billing", "Getting started").
final class KBCategory: Model, @unchecked Sendable {
    static let schema = "kb_categories"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "slug") var slug: String
    @Field(key: "name") var name: String
    @Field(key: "description") var description: String
    @Field(key: "position") var position: Int
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// An article, in one or more languages. Internal articles are for agents only and never
/// appear in the help center.
final class KBArticle: Model, @unchecked Sendable {
    static let schema = "kb_articles"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @OptionalField(key: "category_id") var categoryID: Int?
    @Field(key: "slug") var slug: String
    @Field(key: "is_internal") var isInternal: Bool
    @Field(key: "position") var position: Int
    @Field(key: "helpful_yes") var helpfulYes: Int
    @Field(key: "helpful_no") var helpfulNo: Int
    @Field(key: "views") var views: Int
    @OptionalField(key: "author_agent_id") var authorAgentID: Int?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}
}

/// One language of an article: the draft being written and the version customers see.
/// Publishing copies the draft to the published fields; editing never touches what is live.
final class KBTranslation: Model, @unchecked Sendable {
    static let schema = "kb_translations"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "article_id") var articleID: Int
    @Field(key: "locale") var locale: String
    @Field(key: "draft_title") var draftTitle: String
    @Field(key: "draft_body") var draftBody: String
    @Field(key: "draft_updated_at") var draftUpdatedAt: Date
    @OptionalField(key: "published_title") var publishedTitle: String?
    @OptionalField(key: "published_body") var publishedBody: String?
    @OptionalField(key: "published_at") var publishedAt: Date?

    init() {}

    var isPublished: Bool { publishedAt != nil && publishedTitle != nil }
    /// The draft differs from what customers see.
    var hasUnpublishedChanges: Bool { !isPublished || draftTitle != publishedTitle || draftBody != publishedBody }
}

/// A suggested article a visitor of the contact form opened; when they then send the form
/// anyway it is marked, and what is left unmarked counts as deflected.
final class KBSuggestionOpen: Model, @unchecked Sendable {
    static let schema = "kb_suggestion_opens"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "visit") var visit: String
    @Field(key: "article_id") var articleID: Int
    @Field(key: "submitted") var submitted: Bool
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

struct CreateKnowledgeBase: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(KBCategory.schema)
            .intID()
            .field("slug", .string, .required)
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("position", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.createIndex("uq_kb_categories_slug", on: KBCategory.schema, columns: ["slug"], unique: true)

        try await database.schema(KBArticle.schema)
            .intID()
            .field("category_id", .int)
            .field("slug", .string, .required)
            .field("is_internal", .bool, .required)
            .field("position", .int, .required)
            .field("helpful_yes", .int, .required)
            .field("helpful_no", .int, .required)
            .field("views", .int, .required)
            .field("author_agent_id", .int)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .foreignKey(
                "category_id", references: KBCategory.schema, "id", onDelete: .setNull, name: "fk_kb_articles_category"
            )
            .foreignKey(
                "author_agent_id", references: Agent.schema, "id", onDelete: .setNull, name: "fk_kb_articles_author"
            )
            .create()
        try await database.createIndex("uq_kb_articles_slug", on: KBArticle.schema, columns: ["slug"], unique: true)
        try await database.createIndex(
            "idx_kb_articles_category", on: KBArticle.schema, columns: ["category_id", "position"])

        try await database.schema(KBTranslation.schema)
            .intID()
            .field("article_id", .int, .required)
            .field("locale", .string, .required)
            .field("draft_title", .string, .required)
            .field("draft_body", .string, .required)
            .field("draft_updated_at", .datetime, .required)
            .field("published_title", .string)
            .field("published_body", .string)
            .field("published_at", .datetime)
            .foreignKey(
                "article_id", references: KBArticle.schema, "id", onDelete: .cascade, name: "fk_kb_translations_article"
            )
            .create()
        try await database.createIndex(
            "uq_kb_translations_locale", on: KBTranslation.schema, columns: ["article_id", "locale"], unique: true)

        try await database.schema(KBSuggestionOpen.schema)
            .intID()
            .field("visit", .string, .required)
            .field("article_id", .int, .required)
            .field("submitted", .bool, .required)
            .field("created_at", .datetime, .required)
            .foreignKey(
                "article_id", references: KBArticle.schema, "id", onDelete: .cascade,
                name: "fk_kb_suggestion_opens_article"
            )
            .create()
        try await database.createIndex("idx_kb_suggestion_opens_visit", on: KBSuggestionOpen.schema, columns: ["visit"])
        try await database.createIndex(
            "idx_kb_suggestion_opens_created", on: KBSuggestionOpen.schema, columns: ["created_at"])

        // The published text only: drafts and internal articles are never searchable by customers
        // because the help center reads this index with `is_internal = false`, and the index holds
        // nothing unpublished.
        switch database.flavor {
        case .sqlite:
            try await database.sql.raw(
                """
                CREATE VIRTUAL TABLE kb_search USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')
                """
            ).run()
        case .postgres:
            try await database.sql.raw(
                """
                CREATE TABLE kb_search (
                    translation_id BIGINT PRIMARY KEY,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    document TSVECTOR NOT NULL,
                    CONSTRAINT fk_kb_search_translation FOREIGN KEY (translation_id) REFERENCES kb_translations (id) ON DELETE CASCADE
                )
                """
            ).run()
            try await database.sql.raw("CREATE INDEX idx_kb_search_document ON kb_search USING GIN (document)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE IF EXISTS kb_search").run()
        try await database.schema(KBSuggestionOpen.schema).delete()
        try await database.schema(KBTranslation.schema).delete()
        try await database.schema(KBArticle.schema).delete()
        try await database.schema(KBCategory.schema).delete()
    }
}
