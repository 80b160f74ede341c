namespace CertExportGrid.Node.Security;

/// <summary>Security log messages, one place, with event ids. Identities only; never a key or a hash.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Security: local mode, no credentials configured: every call is allowed, listening on loopback only ({Urls})")]
    public static partial void LocalMode(ILogger logger, string urls);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Security: authentication enforced ({Summary}); listening on {Urls}")]
    public static partial void Enforced(ILogger logger, string summary, string urls);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Denied {Method} from {Peer}: UNAUTHENTICATED, {Reason} ({Presented})")]
    public static partial void Unauthenticated(ILogger logger, string method, string peer, string reason, string presented);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Denied {Method} to {Identity} from {Peer}: PERMISSION_DENIED, needs role {Required}, has {Roles}")]
    public static partial void PermissionDenied(ILogger logger, string method, string identity, string peer, string required, string roles);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Information, Message = "Security configuration reloaded: {Summary}")]
    public static partial void Reloaded(ILogger logger, string summary);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Error, Message = "Security configuration change ignored, the previous one stays in force: {Reason}")]
    public static partial void ReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1407, Level = LogLevel.Warning, Message = "Collector {Identity} sent {Count} event(s) for hosts it may not speak for (first: {Computer}); rejected PERMISSION_DENIED_HOST")]
    public static partial void HostDenied(ILogger logger, string identity, int count, string computer);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Information, Message = "Collector {Identity}: {Count} event(s) rejected RATE_LIMITED ({Limit})")]
    public static partial void RateLimited(ILogger logger, string identity, int count, string limit);
}
