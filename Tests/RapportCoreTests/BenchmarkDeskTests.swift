import Foundation
import RapportCore
import Testing

@Suite("Synthetic desk for benchmarks")
struct SyntheticDeskTests {
    let desk = SyntheticDesk(tickets: 20_000, now: Date(timeIntervalSince1970: 1_800_000_000))

    @Test("the same id gives the same ticket, so chunks can be made in any order")
    func deterministic() {
        let again = SyntheticDesk(tickets: 20_000, now: Date(timeIntervalSince1970: 1_800_000_000))
        for id in [1, 777, 19_999] {
            let first = desk.ticket(id)
            let second = again.ticket(id)
            #expect(first.subject == second.subject)
            #expect(first.messages.map(\.body) == second.messages.map(\.body))
            #expect(first.status == second.status)
        }
        #expect(desk.ticket(5).messages.first?.body != desk.ticket(6).messages.first?.body)
    }

    @Test(
        "tickets look like a real desk: about four messages of 200 to 2,000 characters, old ones closed, a recent backlog"
    )
    func distribution() {
        let tickets = (1...desk.ticketCount).map(desk.ticket)
        let messages = tickets.flatMap(\.messages)
        let average = Double(messages.count) / Double(tickets.count)
        #expect((3.3...4.3).contains(average), "average messages per ticket \(average)")
        #expect(messages.allSatisfy { (150...2_000).contains($0.body.utf8.count) })
        #expect(messages.contains { $0.body.utf8.count > 1_500 } && messages.contains { $0.body.utf8.count < 300 })
        let unresolved = tickets.filter { $0.status.isUnresolved }
        #expect(Double(unresolved.count) / Double(tickets.count) < 0.15)
        #expect(
            !unresolved.isEmpty && tickets.contains { $0.status == .closed } && tickets.contains { $0.status == .new })
        // The backlog is recent: the oldest tenth holds few unresolved tickets.
        #expect(Double(unresolved.filter { $0.id < 2_000 }.count) / 2_000 < 0.03)
        #expect(tickets.allSatisfy { (1...desk.customerCount).contains($0.requesterID) })
        #expect(tickets.allSatisfy { $0.assigneeID.map { (1...SyntheticDesk.agentCount).contains($0) } ?? true })
        #expect(tickets.allSatisfy { $0.updatedAt >= $0.createdAt && $0.messages.first?.authorKind == .customer })
        // Agent 1, whom the benchmark acts as, has an inbox of at least a page.
        #expect(tickets.filter { $0.assigneeID == 1 && ($0.status == .new || $0.status == .open) }.count >= 50)
        #expect(Set(tickets.flatMap(\.tags)).count > 20)
    }

    @Test("the search word is in one ticket of a hundred, and in no other")
    func onePercentWord() {
        let mentioning = (1...desk.ticketCount).filter { id in
            let ticket = desk.ticket(id)
            return (ticket.subject + ticket.messages.map(\.body).joined()).lowercased().contains(
                SyntheticDesk.onePercentWord)
        }
        #expect(mentioning.count == desk.ticketCount / 100)
    }

    @Test("customers have unique addresses and some belong to organizations")
    func customers() {
        let customers = (1...desk.customerCount).map(desk.customer)
        #expect(Set(customers.map(\.email)).count == customers.count)
        #expect(customers.contains { $0.organizationID != nil } && customers.contains { $0.organizationID == nil })
        #expect(customers.allSatisfy { $0.email.allSatisfy { $0.isASCII } })
    }
}

@Suite("Latency percentiles")
struct LatencySummaryTests {
    @Test("nearest-rank percentiles of 1 to 100 ms")
    func percentiles() throws {
        let samples = (1...100).shuffled().map { Duration.milliseconds($0) }
        let summary = try #require(LatencySummary(samples))
        #expect(summary.p50 == .milliseconds(50))
        #expect(summary.p95 == .milliseconds(95))
        #expect(summary.p99 == .milliseconds(99))
        #expect(summary.minimum == .milliseconds(1) && summary.maximum == .milliseconds(100))
        #expect(LatencySummary([]) == nil)
        #expect(LatencySummary([.milliseconds(7)])?.p99 == .milliseconds(7))
    }
}
