import FluentKit
import FluentSQLiteDriver
import Foundation
import NIOCore
import RapportCore
import Testing
import Vapor

@testable import RapportServer

/// A full disk is an operator's problem, said as such: 507 with a reason, nothing half saved.
@Suite("A full disk")
struct DiskFullTests {
    @Test(
        "a write the database has no room for answers 507 with a reason, saves nothing, and works again once there is room"
    )
    func databaseFull() async throws {
        try await withApp(.sqlite) { app, context in
            let agent = try await context.agent()
            _ = try await context.ticket(token: agent.token)
            let ticketsBefore = try await Ticket.query(on: app.db).count()

            // The SQLite file may not grow by a single page from here: as a full disk would do.
            try await Self.onEveryConnection(app) { db in
                let pages = try await db.sql.raw("PRAGMA page_count").first()?.decode(
                    column: "page_count", as: Int.self)
                _ = try await db.sql.raw("PRAGMA max_page_count = \(unsafeRaw: String(pages ?? 1))").all()
            }
            let body = String(repeating: "The boiler shows E4 again after the reset. ", count: 1500)
            let refused = try await context.api(
                .POST, "tickets", token: agent.token,
                json: ["subject": "Boiler", "requester": ["email": "sam@example.com"], "message": ["body": body]])
            #expect(refused.status == .insufficientStorage)
            #expect(refused.errorCode == "insufficient_storage")
            #expect((refused.object["reason"] as? String)?.contains("run out of disk space for its database") == true)

            try await Self.onEveryConnection(app) { db in
                _ = try await db.sql.raw("PRAGMA max_page_count = 1073741823").all()
            }
            #expect(
                try await Ticket.query(on: app.db).count() == ticketsBefore, "nothing of the refused ticket was kept")
            let retried = try await context.api(
                .POST, "tickets", token: agent.token,
                json: ["subject": "Boiler", "requester": ["email": "sam@example.com"], "message": ["body": body]])
            #expect(retried.status == .created)
        }
    }

    @Test("the file system's and the drivers' ways of saying the disk is full are all recognised")
    func recognised() {
        #expect(DiskFull.place(of: CocoaError(.fileWriteOutOfSpace)) == "files")
        #expect(DiskFull.place(of: POSIXError(.ENOSPC)) == "files")
        #expect(DiskFull.place(of: IOError(errnoCode: ENOSPC, reason: "write")) == "files")
        #expect(DiskFull.place(of: POSIXError(.EACCES)) == nil)
        #expect(DiskFull.place(of: CocoaError(.fileWriteNoPermission)) == nil)
        #expect(RapportErrorMiddleware.map(POSIXError(.ENOSPC)).status == .insufficientStorage)
    }

    /// FluentSQLiteDriver keeps one connection per event loop; a pragma set on one is not set
    /// on the others.
    private static func onEveryConnection(_ app: Application, _ body: (any Database) async throws -> Void)
        async throws
    {
        for loop in app.eventLoopGroup.makeIterator() {
            let db = try #require(app.databases.database(logger: app.logger, on: loop))
            try await body(db)
        }
    }
}
