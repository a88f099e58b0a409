import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import RapportCore
import RapportServer

/// One kind of request the workload sends, with the target it should meet.
struct WorkloadOperation: Sendable {
    enum Target: Sendable {
        /// p99 latency at most this many milliseconds.
        case p99(milliseconds: Double)
        /// At least this many requests a second.
        case throughput(perSecond: Double)

        func scaled(by factor: Double) -> Target {
            switch self {
            case .p99(let limit): .p99(milliseconds: limit * factor)
            case .throughput(let rate): .throughput(perSecond: rate / factor)
            }
        }
    }

    let name: String
    let target: Target?
    let expectedStatus: HTTPResponseStatus
    let request: @Sendable (Int) -> HTTPClientRequest
}

/// What one operation measured.
struct OperationResult: Sendable {
    let operation: String
    let clients: Int
    let target: WorkloadOperation.Target?
    let latency: LatencySummary?
    let requestsPerSecond: Double
    let failures: Int
    let firstFailure: String?

    var meetsTarget: Bool? {
        guard let target, let latency else { return nil }
        switch target {
        case .p99(let limit): return latency.p99.milliseconds <= limit && failures == 0
        case .throughput(let rate): return requestsPerSecond >= rate && failures == 0
        }
    }
}

/// Runs each operation `requests` times from `concurrency` clients at once (a closed loop: each
/// client sends its next request when the last one is answered) and measures every answer.
struct WorkloadRunner: Sendable {
    let client: HTTPClient
    let requests: Int
    let concurrency: Int
    let warmup: Int

    func run(_ operation: WorkloadOperation, offset: Int) async -> OperationResult {
        for index in 0..<warmup { _ = await send(operation, index: offset + index) }
        let clock = ContinuousClock()
        let started = clock.now
        let workers = max(1, min(concurrency, requests))
        let outcomes = await withTaskGroup(of: [(Duration, String?)].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var measured: [(Duration, String?)] = []
                    for index in stride(from: worker, to: requests, by: workers) {
                        measured.append(await send(operation, index: offset + warmup + index))
                    }
                    return measured
                }
            }
            var all: [(Duration, String?)] = []
            for await part in group { all += part }
            return all
        }
        let elapsed = clock.now - started
        let failures = outcomes.compactMap(\.1)
        return OperationResult(
            operation: operation.name, clients: workers, target: operation.target,
            latency: LatencySummary(outcomes.map(\.0)),
            requestsPerSecond: Double(outcomes.count) / max(elapsed.inSeconds, 1e-9), failures: failures.count,
            firstFailure: failures.first
        )
    }

    /// The time from sending the request to having its whole answer, and what went wrong if it
    /// was not the expected status.
    private func send(_ operation: WorkloadOperation, index: Int) async -> (Duration, String?) {
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let response = try await client.execute(operation.request(index), timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 16 << 20)
            let took = clock.now - started
            guard response.status == operation.expectedStatus else {
                return (took, "\(response.status.code) \(String(buffer: body).prefix(300))")
            }
            return (took, nil)
        } catch {
            return (clock.now - started, "\(error)")
        }
    }
}

/// The requests the workload benchmark sends, built from the seeded desk.
struct WorkloadPlan: Sendable {
    let baseURL: String
    let access: BenchmarkAccess
    let desk: SyntheticDesk
    /// Open tickets the reply benchmark answers.
    let openTickets: [Int]
    let scale: Double

    func operations() -> (reads: [WorkloadOperation], writes: [WorkloadOperation]) {
        let tickets = max(access.ticketCount, 1)
        // Reads spread over the whole desk, in a fixed pseudo-random order.
        @Sendable func ticketNumber(_ index: Int) -> Int { 1 + Int((UInt64(index) &* 2_654_435_761) % UInt64(tickets)) }
        let reads = [
            get("read ticket (API)", "/api/v1/tickets/", target: .p99(milliseconds: 10)) { "\(ticketNumber($0))" },
            get("ticket page (HTML)", "/tickets/", target: .p99(milliseconds: 10)) { "\(ticketNumber($0))" },
            get("inbox: My open, 50", "/inbox?view=mine", target: .p99(milliseconds: 10)) { _ in "" },
            get("inbox: All open by update, 50", "/inbox?view=open&sort=updated", target: .p99(milliseconds: 10)) { _ in
                ""
            },
            get("list: All open (API), 50", "/api/v1/tickets?status=new,open&limit=50", target: .p99(milliseconds: 10))
            { _ in "" },
            get(
                "search \"\(SyntheticDesk.onePercentWord)\" (API)", "/api/v1/search?q=\(SyntheticDesk.onePercentWord)",
                target: .p99(milliseconds: 50)
            ) { _ in "" },
            get("search page (HTML)", "/search?q=\(SyntheticDesk.onePercentWord)", target: .p99(milliseconds: 50)) {
                _ in ""
            },
        ]
        let writes = [
            post("create ticket (API)", "/api/v1/tickets", status: .created, target: .throughput(perSecond: 2_000)) {
                index in
                let request = desk.newRequest(index)
                let email =
                    access.customerEmails.isEmpty
                    ? "new.\(index)@bench.example" : access.customerEmails[index % access.customerEmails.count]
                return
                    (try? JSONSerialization.data(withJSONObject: [
                        "subject": request.subject, "requester": ["email": email], "message": ["body": request.body],
                        "channel": "api",
                    ])) ?? Data()
            },
            post(
                "add reply (API)", "", status: .created, target: nil,
                path: { index in
                    "/api/v1/tickets/\(openTickets.isEmpty ? ticketNumber(index) : openTickets[index % openTickets.count])/messages"
                }
            ) { index in
                (try? JSONSerialization.data(withJSONObject: ["kind": "reply", "body": desk.agentReply(index)]))
                    ?? Data()
            },
            post(
                "ingest raw email", "/api/v1/mail/inbound", status: .created, target: .throughput(perSecond: 1_000),
                contentType: "message/rfc822"
            ) { index in
                Data(BenchmarkMail.raw(index: index, desk: desk, knownSenders: access.customerEmails).utf8)
            },
        ]
        return (reads.map(scaled), writes.map(scaled))
    }

    private func scaled(_ operation: WorkloadOperation) -> WorkloadOperation {
        WorkloadOperation(
            name: operation.name, target: operation.target?.scaled(by: scale), expectedStatus: operation.expectedStatus,
            request: operation.request)
    }

    private func get(
        _ name: String, _ path: String, target: WorkloadOperation.Target, suffix: @escaping @Sendable (Int) -> String
    ) -> WorkloadOperation {
        let url = baseURL + path
        let access = access
        return WorkloadOperation(name: name, target: target, expectedStatus: .ok) { index in
            var request = HTTPClientRequest(url: url + suffix(index))
            if path.hasPrefix("/api/") {
                request.headers.add(name: "Authorization", value: "Bearer \(access.apiToken)")
            } else {
                request.headers.add(name: "Cookie", value: access.sessionCookie)
            }
            return request
        }
    }

    private func post(
        _ name: String, _ path: String, status: HTTPResponseStatus, target: WorkloadOperation.Target?,
        contentType: String = "application/json",
        path pathFor: (@Sendable (Int) -> String)? = nil, body: @escaping @Sendable (Int) -> Data
    ) -> WorkloadOperation {
        let baseURL = baseURL
        let token = access.apiToken
        return WorkloadOperation(name: name, target: target, expectedStatus: status) { index in
            var request = HTTPClientRequest(url: baseURL + (pathFor?(index) ?? path))
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body(index)))
            return request
        }
    }
}

/// Raw messages for the ingest benchmark: half plain text, half multipart with an HTML part,
/// from known customers and strangers, each with its own Message-ID.
enum BenchmarkMail {
    static func raw(index: Int, desk: SyntheticDesk, knownSenders: [String]) -> String {
        let request = desk.newRequest(1_000_000 + index)
        let from =
            index % 3 == 0 || knownSenders.isEmpty
            ? "sender\(index)@mail\(index % 97).bench.example" : knownSenders[index % knownSenders.count]
        let messageID = "<bench.\(index).\(UInt64(Date().timeIntervalSince1970 * 1000))@mail.bench.example>"
        let head = """
            Return-Path: <\(from)>\r
            Received: from mail.bench.example (mail.bench.example [192.0.2.10])\r
            \tby mx.rapport.example with ESMTPS id \(index); Tue, 1 Dec 2026 09:30:00 +0000\r
            From: Customer \(index) <\(from)>\r
            To: Support <support@rapport.example>\r
            Subject: \(request.subject)\r
            Date: Tue, 1 Dec 2026 09:30:00 +0000\r
            Message-ID: \(messageID)\r
            MIME-Version: 1.0\r

            """
        let text = request.body.replacingOccurrences(of: "\n", with: "\r\n")
        if index % 2 == 0 {
            return head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text
                + "\r\n"
        }
        let html =
            "<html><body>"
            + request.body.split(separator: "\n", omittingEmptySubsequences: true).map { "<p>\($0)</p>" }.joined()
            + "</body></html>"
        let boundary = "=_bench_\(index)"
        return head + """
            Content-Type: multipart/alternative; boundary="\(boundary)"\r
            \r
            --\(boundary)\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(text)\r
            --\(boundary)\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(html)\r
            --\(boundary)--\r

            """
    }
}
