import Foundation
import Testing
import Vapor

@testable import RapportServer

@Suite("Search")
struct SearchTests {
    @Test(
        "finds tickets by subject, conversation, requester name and address, best first",
        arguments: TestDatabase.allCases)
    func finds(database: TestDatabase) async throws {
        try await withApp(database) { app, ctx in
            let (agentID, token) = try await ctx.agent()
            let boiler = try await ctx.ticket(
                token: token, subject: "Boiler makes a clicking noise", body: "It clicks every few minutes at night.",
                email: "ingrid.lindqvist@example.org", name: "Ingrid Lindqvist")
            let wifi = try await ctx.ticket(
                token: token, subject: "Wi-Fi setup fails", body: "Setup stops at connecting. The boiler is fine.",
                email: "tomas@example.net", name: "Tomás Ruiz")
            _ = try await ctx.ticket(
                token: token, subject: "Invoice", body: "Please send my invoice.", email: "kemi@example.com",
                name: "Kemi Adeyemi")
            _ = try await ctx.api(
                .POST, "tickets/\(wifi)/messages", token: token, json: ["body": "Try the 2.4 GHz network please."])

            func search(_ query: String) async throws -> [Int] {
                let result = try await ctx.api(.GET, "search?\(query)", token: token)
                #expect(result.status == .ok, "\(query): \(result.text)")
                return (result.object["results"] as? [[String: Any]] ?? []).compactMap {
                    ($0["ticket"] as? [String: Any])?["number"] as? Int
                }
            }
            #expect(try await search("q=boiler") == [boiler, wifi], "the subject match ranks above the body match")
            #expect(try await search("q=clicking") == [boiler])
            #expect(try await search("q=network") == [wifi], "an agent's reply is searchable")
            #expect(try await search("q=lindqvist") == [boiler])
            #expect(try await search("q=tomas") == [wifi], "accents do not matter")
            #expect(try await search("q=kemi%40example.com").count == 1)
            #expect(try await search("q=conn") == [wifi], "the last word matches as a prefix")
            #expect(try await search("q=boiler+invoice").isEmpty, "every word must match")
            #expect(try await search("q=%22boiler%22+OR+invoice%3A*").isEmpty)

            _ = try await ctx.api(
                .PATCH, "tickets/\(boiler)", token: token, json: ["status": "pending", "assignee_id": agentID])
            #expect(try await search("q=boiler&status=pending") == [boiler])
            #expect(try await search("q=boiler&assignee=me") == [boiler])
            #expect(try await search("q=boiler&status=open") == [wifi], "the agent's reply opened it")

            let result = try await ctx.api(.GET, "search?q=clicking", token: token)
            let snippet = try #require((result.object["results"] as? [[String: Any]])?.first?["snippet"] as? String)
            #expect(snippet.contains("<mark>"))
            #expect(result.object["terms"] as? [String] == ["clicking"])

            _ = try await ctx.api(.PATCH, "tickets/\(boiler)", token: token, json: ["subject": "Radiator rattles"])
            #expect(try await search("q=rattles") == [boiler], "a new subject is indexed")
        }
    }

    @Test("a query with no words is refused with a reason")
    func emptyQuery() async throws {
        try await withApp(.sqlite) { app, ctx in
            let (_, token) = try await ctx.agent()
            let result = try await ctx.api(.GET, "search", token: token)
            #expect(result.status == .unprocessableEntity)
            #expect(result.fields["q"] != nil)
            let symbols = try await ctx.api(.GET, "search?q=%2A%21", token: token)
            #expect(symbols.status == .ok)
            #expect((symbols.object["results"] as? [Any])?.isEmpty == true)
        }
    }
}
