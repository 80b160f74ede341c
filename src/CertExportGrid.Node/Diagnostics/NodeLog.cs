using CertExportGrid.Detection.Events;

namespace CertExportGrid.Node.Diagnostics;

/// <summary>The gateway's log messages, one place, with event ids.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Batch {BatchId} event {Index} rejected: {Code} {Detail}")]
    public static partial void EventRejected(ILogger logger, string batchId, int index, RejectionCode code, string detail);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Applying {Count} events to a finding grain failed; they are reported to the collector as retryable")]
    public static partial void ApplyFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Subscriber {SubscriberId} connected (snapshot: {Snapshot})")]
    public static partial void SubscriberConnected(ILogger logger, long subscriberId, bool snapshot);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Subscriber {SubscriberId} fell behind; {Dropped} updates dropped, resynchronising with a snapshot")]
    public static partial void SubscriberGap(ILogger logger, long subscriberId, long dropped);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Subscriber {SubscriberId} disconnected")]
    public static partial void SubscriberDisconnected(ILogger logger, long subscriberId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Registering this gateway's findings observer failed; retrying")]
    public static partial void ObserverRegistrationFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "gRPC call {Method} failed")]
    public static partial void CallFailed(ILogger logger, Exception exception, string method);
}
