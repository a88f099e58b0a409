import FluentKit
import SQLKit

/// The full-text index over each ticket's subject, requester and conversation.
/// SQLite: an FTS5 table whose rowid is the ticket id. PostgreSQL: a table with a weighted
/// `tsvector` and a GIN index.
struct CreateTicketSearchIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database.sql
        switch database.flavor {
        case .sqlite:
            try await sql.raw(
                """
                CREATE VIRTUAL TABLE ticket_search USING fts5(
                    subject, people, body, tokenize = 'porter unicode61 remove_diacritics 2'
                )
                """
            ).run()
        case .postgres:
            try await sql.raw(
                """
                CREATE TABLE ticket_search (
                    ticket_id BIGINT PRIMARY KEY,
                    subject TEXT NOT NULL,
                    people TEXT NOT NULL,
                    body TEXT NOT NULL,
                    document TSVECTOR NOT NULL,
                    CONSTRAINT fk_ticket_search_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE
                )
                """
            ).run()
            try await sql.raw("CREATE INDEX idx_ticket_search_document ON ticket_search USING GIN (document)").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE IF EXISTS ticket_search").run()
    }
}
