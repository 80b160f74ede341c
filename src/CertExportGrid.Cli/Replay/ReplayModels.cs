using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Replay;

/// <summary>Tuning of <see cref="ReplayClient"/>.</summary>
internal sealed record ReplayOptions
{
    /// <summary>Events per <see cref="EventBatch"/>. Default 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Batches sent but not yet acknowledged, at most. Default 8.</summary>
    public int MaxInFlight { get; init; } = 8;

    /// <summary>How often an event rejected as retryable (UNAVAILABLE) is sent again. Default 3.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Wait before the first retry round; doubles each round, capped at 10 s. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInFlight, 1, nameof(MaxInFlight));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero, nameof(RetryBaseDelay));
    }
}

/// <summary>An event the server (or the local decoder) refused, located by file and line.</summary>
/// <param name="Line">Line number in <paramref name="File"/>, from 1.</param>
/// <param name="Retryable">The last answer was retryable, but the retries ran out.</param>
internal sealed record ReplayRejection(string File, int Line, RejectReason Reason, string Message, bool Retryable);

/// <summary>The outcome of a replay. <see cref="Accepted"/> includes <see cref="Duplicates"/>.</summary>
/// <param name="Files">Files read completely.</param>
/// <param name="Events">Non-blank lines read.</param>
/// <param name="Sent">Events sent at least once (lines that failed to decode locally are not sent).</param>
/// <param name="Resent">Extra sends caused by retryable rejections.</param>
/// <param name="Rejected">Final rejections, in file order then line order.</param>
internal sealed record ReplaySummary(
    int Files,
    long Events,
    long Sent,
    long Resent,
    long Accepted,
    long Duplicates,
    long Ignored,
    IReadOnlyList<ReplayRejection> Rejected)
{
    public bool AnyRejected => Rejected.Count > 0;
}

/// <summary>Progress of a replay, reported after every file read and every ack.</summary>
/// <param name="BytesAcknowledged">Bytes of the input up to the last acknowledged line.</param>
/// <param name="BytesTotal">Size of all input files.</param>
internal readonly record struct ReplayProgress(
    long EventsRead,
    long EventsSent,
    long EventsAcknowledged,
    long BytesAcknowledged,
    long BytesTotal);

/// <summary>
/// The stream could not be opened or broke (the server is unreachable, failed the call, or broke the
/// protocol). <see cref="Partial"/> holds what was acknowledged before that.
/// </summary>
internal sealed class ReplayFailedException(Status status, ReplaySummary partial, Exception? inner)
    : Exception($"The ingest stream failed: {status.StatusCode}: {status.Detail}", inner)
{
    public Status Status { get; } = status;

    public ReplaySummary Partial { get; } = partial;
}
