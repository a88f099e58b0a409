import RapportCore
import Vapor

/// The feature services, built once from the settings. Handlers reach them as `req.rapport`;
/// the CLI and jobs as `app.rapport`. None of them holds a request, so all can be called from
/// anywhere with a database.
public struct RapportServices: Sendable {
    let settings: RapportSettings
    let clock: any WallClock
    /// Mail settings, SLA policies, rules and the staff directory, in memory (see its notes).
    let configuration: ConfigurationCache
    let attachments: AttachmentStore
    let customers: CustomerService
    let tickets: TicketService
    let agents: AgentService
    let agentAccess: AgentAccessService
    let teams: TeamService
    let organizations: OrganizationService
    let apiTokens: ApiTokenService
    let signInGuard: SignInGuard
    let webSessions: WebSessionService
    let macros: MacroService
    let inboxCounts: InboxCountCache
    let coach: CoachService
    let mailSettings: MailSettingsStore
    let outbox: MailOutbox
    let inboundMail: InboundMailService
    let jobs: JobQueue
    let sla: SLAService
    let notifications: NotificationService
    let knowledgeBase: KnowledgeBaseService
    let portalAuth: PortalAuthService
    let portal: PortalService
    /// Per-instance limits for cheap read paths (search suggestions, article opens).
    let visitorLimits: VisitorRateLimiter
    /// Limits and once-only rules that hold across instances (contact form, portal links, votes).
    let sharedLimits: SharedRateLimiter
    let presence: PresenceService

    init(settings: RapportSettings) throws {
        let clock = MillisecondClock(settings.clock)
        let configuration = ConfigurationCache()
        self.configuration = configuration
        coach = try CoachService(dataDirectory: settings.dataDirectory, priorityRule: settings.moodPriority)
        self.settings = settings
        self.clock = clock
        attachments = AttachmentStore(
            directory: settings.attachmentDirectory, maximumBytes: settings.attachmentMaximumBytes)
        customers = CustomerService(clock: clock)
        mailSettings = MailSettingsStore(
            secrets: try SecretBox.load(dataDirectory: settings.dataDirectory), clock: clock,
            configuration: configuration)
        outbox = MailOutbox(settings: mailSettings, clock: clock)
        jobs = JobQueue(clock: clock, lease: settings.background.lease)
        sla = SLAService(clock: clock)
        notifications = NotificationService(
            clock: clock, mailSettings: mailSettings, outbox: outbox, publicURL: settings.publicURL)
        tickets = TicketService(
            clock: clock, attachments: attachments, customers: customers, coach: coach, outbox: outbox, sla: sla,
            jobs: jobs,
            notifications: notifications, configuration: configuration)
        inboundMail = InboundMailService(
            tickets: tickets, outbox: outbox, settings: mailSettings, attachments: attachments, clock: clock)
        knowledgeBase = KnowledgeBaseService(clock: clock)
        portalAuth = PortalAuthService(clock: clock, mailSettings: mailSettings, outbox: outbox)
        portal = PortalService(tickets: tickets)
        visitorLimits = VisitorRateLimiter(clock: clock)
        sharedLimits = SharedRateLimiter(clock: clock)
        presence = PresenceService(clock: clock)
        agents = AgentService(
            clock: clock, passwords: PasswordHashing(cost: settings.passwordHashCost), configuration: configuration)
        teams = TeamService(clock: clock, configuration: configuration)
        organizations = OrganizationService(clock: clock)
        apiTokens = ApiTokenService(clock: clock)
        signInGuard = SignInGuard(clock: clock, limits: sharedLimits)
        webSessions = WebSessionService(clock: clock)
        agentAccess = AgentAccessService(
            clock: clock, agents: agents, passwords: agents.passwords, outbox: outbox)
        macros = MacroService(clock: clock, configuration: configuration)
        inboxCounts = InboxCountCache()
    }
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = RapportServices }

    public internal(set) var rapport: RapportServices {
        get {
            guard let services = storage[ServicesKey.self] else {
                fatalError("configure(_:settings:) has not run on this application")
            }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

extension Request {
    var rapport: RapportServices { application.rapport }
}
