import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOCore
import NIOHTTP1

/// Recognises "out of disk space" among the errors the database drivers and the file system
/// throw, so a full disk is answered with 507 and a log line that says so, not a 500.
enum DiskFull {
    /// Where the space ran out, when `error` says it did: "database" or "files".
    static func place(of error: any Error) -> String? {
        switch error {
        case let error as SQLiteError where error.reason == .full:
            return "database"
        case let error as PSQLError where error.serverInfo?[.sqlState] == PostgresError.Code.diskFull.raw:
            return "database"
        case let error as CocoaError where error.code == .fileWriteOutOfSpace:
            return "files"
        case let error as POSIXError where error.code == .ENOSPC || error.code == .EDQUOT:
            return "files"
        case let error as IOError where error.errnoCode == ENOSPC || error.errnoCode == EDQUOT:
            return "files"
        default:
            return nil
        }
    }

    static func answer(place: String) -> RapportError {
        RapportError(
            .insufficientStorage, code: "insufficient_storage",
            reason:
                "The server has run out of disk space for its \(place), so nothing was saved. Try again once an administrator has freed space."
        )
    }
}
