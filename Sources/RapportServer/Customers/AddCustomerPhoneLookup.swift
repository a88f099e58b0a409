import FluentKit
import RapportCore
import SQLKit

/// Callers are recognised by their number: each customer's phone in its comparable form, with
/// an index to find them by it.
struct AddCustomerPhoneLookup: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Customer.schema).field("phone_normalized", .string).update()
        try await database.createIndex(
            "idx_customers_phone_normalized", on: Customer.schema, columns: ["phone_normalized"])
        struct Row: Decodable {
            let id: Int
            let phone: String
        }
        let rows = try await database.sql.raw("SELECT id, phone FROM customers WHERE phone IS NOT NULL").all(
            decoding: Row.self)
        for row in rows {
            guard let normalized = PhoneNumber.normalized(row.phone) else { continue }
            try await database.sql.raw(
                "UPDATE customers SET phone_normalized = \(bind: normalized) WHERE id = \(bind: row.id)"
            ).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.dropIndex("idx_customers_phone_normalized")
        try await database.schema(Customer.schema).deleteField("phone_normalized").update()
    }
}
