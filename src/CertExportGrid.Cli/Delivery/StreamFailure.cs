using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;

namespace CertExportGrid.Cli.Delivery;

/// <summary>What the collector does about a failed ingest stream.</summary>
internal enum FailureAction
{
    /// <summary>Give up: the status says sending the same thing again cannot help.</summary>
    Fail,
    /// <summary>The server went away or is overloaded: back off, reconnect, re-send what is unacknowledged.</summary>
    Reconnect,
    /// <summary>A message was over the server's size limit: split the first unacknowledged batch in halves.</summary>
    SplitBatch,
    /// <summary>A batch had more events than the server allows: halve the batch size for the rest of the run.</summary>
    HalveBatchSize,
}

/// <summary>The decision for one failure, with the server's hints.</summary>
/// <param name="RetryAfter">The server's <c>retry-after-ms</c> trailer, if any.</param>
/// <param name="EventLimit">The server's per-batch event limit, when its message states it.</param>
internal sealed record StreamFailure(FailureAction Action, Status Status, TimeSpan? RetryAfter = null, int? EventLimit = null);

/// <summary>
/// Maps a failed stream's status to an action. UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ABORTED and a
/// CANCELLED the client did not ask for are what a dying, restarting or overloaded server produces
/// (connection refused or reset surface as UNAVAILABLE or INTERNAL in grpc-dotnet): reconnect.
/// RESOURCE_EXHAUSTED means "message too large" unless it carries <c>retry-after-ms</c> (then it is
/// overload). INVALID_ARGUMENT is retried only when it says the batch had too many events.
/// </summary>
internal static partial class StreamFailures
{
    public const string RetryAfterTrailer = "retry-after-ms";

    public static StreamFailure Classify(Status status, Metadata? trailers)
    {
        var retryAfter = RetryAfter(trailers);
        switch (status.StatusCode)
        {
            case StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Aborted or StatusCode.Cancelled:
                return new(FailureAction.Reconnect, status, retryAfter);
            case StatusCode.ResourceExhausted:
                return retryAfter is null
                    ? new(FailureAction.SplitBatch, status)
                    : new(FailureAction.Reconnect, status, retryAfter);
            case StatusCode.InvalidArgument when TooManyEvents().Match(status.Detail ?? "") is { Success: true } match:
                int? limit = match.Groups["limit"].Success
                    && int.TryParse(match.Groups["limit"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : null;
                return new(FailureAction.HalveBatchSize, status, EventLimit: limit);
            default:
                return new(FailureAction.Fail, status);
        }
    }

    private static TimeSpan? RetryAfter(Metadata? trailers)
    {
        var value = trailers?.GetValue(RetryAfterTrailer);
        return value is not null && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(Math.Min(ms, (long)TimeSpan.FromHours(1).TotalMilliseconds))
            : null;
    }

    // The server says "Batch 'x' has 600 events; the limit is 500 (...)". Other wordings of "too many
    // events" are recognised too, without a limit.
    [GeneratedRegex(@"has \d+ events; the limit is (?<limit>\d+)|too many events", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TooManyEvents();
}
