import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import RapportCore
import RapportServer

@main
enum Entrypoint {
    static func main() async {
        // Async code then runs on the server's event loops rather than on a separate thread
        // pool, so a request's database calls and its handler stop handing work back and forth
        // between threads. Nothing in Rapport blocks an event loop: bcrypt and file writes go to
        // NIO's thread pool.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await Rapport.main()
    }
}

struct Rapport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rapport",
        abstract: "Rapport, the help desk: one binary for the agent workspace, the API and the background work.",
        subcommands: [
            Serve.self, Migrate.self, User.self, Token.self, Seed.self, Coach.self, Mail.self, Mailgate.self,
            Bench.self,
        ]
    )
}

/// Options every command that touches the database shares.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "Folder for the SQLite file and attachments.")
    var dataDir: String = "rapport-data"

    func settings(migrate: Bool = true, backgroundJobs: Bool = false) throws -> RapportSettings {
        let directory = URL(
            fileURLWithPath: dataDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        ).standardizedFileURL
        let environment = ProcessInfo.processInfo.environment
        let cost = environment["RAPPORT_BCRYPT_COST"].flatMap(Int.init) ?? 12
        var settings = RapportSettings(
            dataDirectory: directory,
            databaseURL: environment["DATABASE_URL"],
            passwordHashCost: cost,
            migrateOnStart: migrate,
            secureCookies: ["1", "true", "yes"].contains(environment["RAPPORT_SECURE_COOKIES"]?.lowercased() ?? ""),
            moodPriority: try environment["RAPPORT_MOOD_PRIORITY"].map(MoodPriorityRule.init(parsing:))
                ?? MoodPriorityRule(),
            background: BackgroundSettings.fromEnvironment(enabled: backgroundJobs, environment)
        )
        if let proxies = environment["RAPPORT_TRUSTED_PROXIES"] {
            do {
                settings.trustedProxies = try IPAddressRange.list(parsing: proxies)
            } catch {
                throw ValidationError("RAPPORT_TRUSTED_PROXIES: \(error)")
            }
        }
        if let idle = environment["RAPPORT_IDLE_TIMEOUT"] {
            guard let seconds = Int(idle), (1...3600).contains(seconds) else {
                throw ValidationError("RAPPORT_IDLE_TIMEOUT: \(idle) is not a number of seconds from 1 to 3600")
            }
            settings.idleConnectionTimeout = .seconds(seconds)
        }
        if let shared = environment["RAPPORT_ATTACHMENTS_DIR"], !shared.isEmpty {
            settings.sharedAttachmentDirectory = URL(fileURLWithPath: shared, isDirectory: true).standardizedFileURL
        }
        return settings
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (migrates the database first).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Fill an empty workspace with demo data and print a demo login.") var demo = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        let files = OpenFileLimit.raiseToMaximum()
        try await withApplication(storage, arguments: ["rapport", "serve", "--hostname", host, "--port", String(port)])
        { app in
            if files.current < 4096 {
                print(
                    "Warning: only \(files.current) open files are allowed, and every connection takes one: raise LimitNOFILE= in the service unit, or ulimit -n, to serve more at once."
                )
            } else {
                print("Up to \(files.current) open files (connections, database, attachments).")
            }
            if demo {
                if try await DemoWorkspace.isSeeded(app) {
                    print("Using the existing workspace in \(storage.dataDir).")
                } else {
                    print("Creating the demo workspace (a few seconds)...")
                    let summary = try await DemoWorkspace().seed(app)
                    print(
                        "Demo workspace: \(summary.agents) agents, \(summary.customers) customers, \(summary.tickets) tickets, \(summary.messages) messages."
                    )
                }
                let token = try await RapportAdministration.issueToken(
                    app, email: DemoWorkspace.adminEmail, name: "demo")
                print(
                    """

                    Rapport is starting at http://\(host):\(port)
                      Workspace:   http://\(host):\(port)/sign-in
                      Demo login:  \(DemoWorkspace.adminEmail) / \(DemoWorkspace.adminPassword)
                      API token:   \(token)
                      Try:         curl -H 'Authorization: Bearer \(token)' http://\(host):\(port)/api/v1/tickets?limit=5

                    """)
            } else {
                print("Rapport is starting at http://\(host):\(port)")
            }
            try await RapportAdministration.serve(app)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring the database schema up to date (or revert it with --revert).")

    @Flag(help: "Revert every migration, deleting all data.") var revert = false
    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try await withApplication(storage, migrate: !revert) { app in
            if revert {
                try await RapportAdministration.revertAllMigrations(app)
                print("All migrations reverted.")
            } else {
                print("The database is up to date.")
            }
        }
    }
}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage agents.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent (or an admin with --role admin).")

        @Option(help: "The agent's full name.") var name: String
        @Option(help: "The address they sign in with.") var email: String
        @Option(help: "admin or agent.") var role: String = "agent"
        @Flag(help: "Read the password from the first line of standard input instead of generating one.")
        var passwordStdin = false
        @Flag(help: "Also issue an API token and print it.") var withToken = false
        @OptionGroup var storage: StorageOptions

        func validate() throws {
            guard ["admin", "agent"].contains(role) else { throw ValidationError("--role must be admin or agent") }
        }

        func run() async throws {
            let generated = passwordStdin ? nil : Self.randomPassword()
            guard let password = generated ?? readLine(strippingNewline: true) else {
                throw ValidationError("--password-stdin was given but standard input was empty")
            }
            try await withApplication(storage) { app in
                let agent = try await RapportAdministration.createAgent(
                    app, name: name, email: email, isAdmin: role == "admin", password: password)
                print("Created \(role) \(agent.email) (id \(agent.id)).")
                if let generated { print("Password: \(generated)") }
                if withToken {
                    print(
                        "API token: \(try await RapportAdministration.issueToken(app, email: agent.email, name: "cli"))"
                    )
                }
            }
        }

        static func randomPassword() -> String {
            let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            return String((0..<20).map { _ in alphabet.randomElement()! })
        }
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue an API token for an agent and print it once.")

        @Option(help: "The agent's sign-in address.") var email: String
        @Option(help: "A label for the token.") var name = "cli"
        @OptionGroup var storage: StorageOptions

        func run() async throws {
            try await withApplication(storage) { app in
                print(try await RapportAdministration.issueToken(app, email: email, name: name))
            }
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill an empty workspace with data.")

    @Flag(help: "A believable demo help desk: teams, agents, customers and tickets in every status.") var demo = false
    @Option(help: "How many customers.") var customers = 200
    @Option(help: "How many tickets.") var tickets = 1_000
    @OptionGroup var storage: StorageOptions

    func validate() throws {
        guard demo else { throw ValidationError("Say what to seed: --demo") }
        guard customers > 0, tickets >= 0 else {
            throw ValidationError("--customers must be positive and --tickets not negative")
        }
    }

    func run() async throws {
        try await withApplication(storage) { app in
            if try await DemoWorkspace.isSeeded(app) {
                print("The workspace already has agents or tickets; nothing was added.")
                return
            }
            let summary = try await DemoWorkspace(customerCount: customers, ticketCount: tickets).seed(app)
            print(
                "Seeded \(summary.agents) agents, \(summary.customers) customers, \(summary.tickets) tickets and \(summary.messages) messages."
            )
            print("Sign in as \(DemoWorkspace.adminEmail) / \(DemoWorkspace.adminPassword).")
        }
    }
}
