import FluentKit

/// Every migration, in the order it runs. Append only: never edit or reorder a migration that
/// has shipped; add a new one.
enum RapportMigrations {
    static let all: [any Migration] = [
        CreateOrganizations(),
        CreateCustomers(),
        CreateAgents(),
        CreateTeams(),
        CreateApiTokens(),
        CreateTickets(),
        CreateMessages(),
        CreateAttachments(),
        CreateTicketEvents(),
        CreateTicketSearchIndex(),
        CreateWebSessions(),
        AddTicketAwaitingReply(),
        CreateMacros(),
        AddMoodAndCoachFindings(),
        CreateMailChannel(),
        CreateJobs(),
        CreateServiceLevels(),
        CreateAgentNotifications(),
        CreateAutomations(),
        CreateKnowledgeBase(),
        CreatePortal(),
        AddCustomerPhoneLookup(),
        ReindexArticlesAsText(),
        AddMailboxLastImport(),
        AddAgentNotificationPreferences(),
        CreateAgentInvitations(),
        AddMacroOwners(),
        CreateConfigurationVersions(),
        AddAgentTicketScope(),
        CreateEventLog(),
        CreatePresence(),
        CreateRateLimits(),
        AddApiTokenExpiry(),
        CreateIdempotencyKeys(),
    ]
}
