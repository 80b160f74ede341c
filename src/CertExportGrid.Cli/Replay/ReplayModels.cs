using CertExportGrid.Cli.Delivery;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Replay;

/// <summary>Tuning of <see cref="ReplayClient"/>.</summary>
internal sealed record ReplayOptions
{
    /// <summary>Events per <see cref="EventBatch"/>. Default 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>The default <see cref="MaxBatchBytes"/>: 4 MiB, well under the server's default 16 MiB message limit.</summary>
    public const long DefaultMaxBatchBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Bytes of events per <see cref="EventBatch"/>, at most (as serialized). One event larger than this is sent
    /// alone (the server may accept it; if it answers RESOURCE_EXHAUSTED it is reported TOO_LARGE). Default 4 MiB.
    /// </summary>
    public long MaxBatchBytes { get; init; } = DefaultMaxBatchBytes;

    /// <summary>Batches sent but not yet acknowledged, at most. Default 8.</summary>
    public int MaxInFlight { get; init; } = 8;

    /// <summary>
    /// How often an event rejected as retryable (UNAVAILABLE) is sent again. Default 10: with the
    /// doubling delay capped at 10 s that is about a minute, longer than a silo failover takes.
    /// </summary>
    public int MaxRetries { get; init; } = 10;

    /// <summary>Wait before an event's first retry; doubles with each retry, capped at 10 s. Default 500 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>When the stream fails or the server goes away: backoff and when to give up. Default: 30 attempts, up to 10 s apart.</summary>
    public ReconnectPolicy Reconnect { get; init; } = new();

    /// <summary>
    /// A checkpoint file (JSON) recording, per input file, how far every event was finally answered; read at
    /// start to skip what was done, written as acks arrive and at the end. Null (default): no checkpoint.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Writes of the checkpoint are at least this far apart while acks arrive (always written at the end). Default 1 s; zero: after every ack.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>tail: how often files are checked for new lines, truncation and rotation. Default 500 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Reconnect);
        Reconnect.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointInterval, TimeSpan.Zero, nameof(CheckpointInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(PollInterval, TimeSpan.FromMilliseconds(1), nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1, nameof(MaxBatchBytes));
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
/// <param name="Resent">Extra sends: retryable rejections, and unacknowledged batches sent again after the stream failed.</param>
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

/// <summary>Progress of a replay, reported after every ack.</summary>
/// <param name="BytesAcknowledged">Bytes of the input up to which every event is finally answered (checkpointed prefixes included).</param>
/// <param name="BytesTotal">Size of all input files.</param>
internal readonly record struct ReplayProgress(
    long EventsRead,
    long EventsSent,
    long EventsAcknowledged,
    long BytesAcknowledged,
    long BytesTotal);

/// <summary>
/// The stream failed for good: a status that sending again cannot fix, the protocol was broken, or the
/// reconnect attempts ran out. <see cref="Partial"/> holds what was acknowledged before that.
/// </summary>
internal sealed class ReplayFailedException(Status status, ReplaySummary partial, Exception? inner, int attempts = 0, string? endpoint = null)
    : Exception($"The ingest stream failed: {status.StatusCode}: {status.Detail}", inner)
{
    /// <summary>The server (URL) of the last attempt, when known (several with <c>--server A,B</c>).</summary>
    public string? Endpoint { get; } = endpoint;

    public Status Status { get; } = status;

    public ReplaySummary Partial { get; } = partial;

    /// <summary>Failed attempts in a row when the client gave up reconnecting; 0 when the status itself was final.</summary>
    public int Attempts { get; } = attempts;
}
