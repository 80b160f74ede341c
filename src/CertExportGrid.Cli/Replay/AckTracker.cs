using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Replay;

/// <summary>An event on its way to the server: where it came from and what was sent.</summary>
/// <param name="File">The file as the caller named it (what FILE:LINE messages show).</param>
/// <param name="Attempt">0 for the first send, 1 for the first retry of a retryable rejection, and so on.</param>
internal sealed record PendingEvent(string File, int Line, Event Event, int Attempt = 0)
{
    /// <summary>The file's progress, told when this event's answer is final (null: not tracked).</summary>
    public FileCursor? Cursor { get; init; }

    /// <summary>This event's position in <see cref="Cursor"/>.</summary>
    public long Ordinal { get; init; }

    /// <summary>What the collector noticed about the line, appended to a rejection's message (e.g. it looks like UTF-16).</summary>
    public string? Note { get; init; }

    /// <summary>Bytes this event adds to an <see cref="EventBatch"/> (the event, its field tag and length).</summary>
    public int WireSize => Google.Protobuf.CodedOutputStream.ComputeMessageSize(Event) + 1;
}

/// <summary>A rejection translated back to the file and line it came from.</summary>
/// <param name="RetryAfter">The server's wait before sending it again (RATE_LIMITED), or zero.</param>
internal sealed record ResolvedRejection(PendingEvent Event, RejectReason Reason, string Message, bool Retryable, TimeSpan RetryAfter = default);

/// <summary>What one acknowledged batch contributed.</summary>
internal sealed record AckOutcome(
    string BatchId,
    int Events,
    uint Accepted,
    uint Duplicates,
    uint Ignored,
    IReadOnlyList<ResolvedRejection> Rejected,
    long EndPosition);

/// <summary>The server broke the Ingest contract (unknown batch id, index out of range, missing acks).</summary>
internal sealed class AckProtocolException(string message) : Exception(message);

/// <summary>
/// Remembers every batch in flight (batch id to the files and lines of its events) so that a
/// <see cref="BatchAck"/> can be matched by id and each <see cref="EventRejection.Index"/> turned into
/// FILE:LINE. Thread-safe: the sender registers while the ack reader completes.
/// </summary>
internal sealed class AckTracker
{
    private readonly Dictionary<string, (IReadOnlyList<PendingEvent> Events, long EndPosition)> _inFlight = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public int InFlight
    {
        get { lock (_lock) return _inFlight.Count; }
    }

    /// <param name="endPosition">Caller-defined progress marker reached once this batch is acknowledged.</param>
    public void Register(string batchId, IReadOnlyList<PendingEvent> events, long endPosition = 0)
    {
        lock (_lock)
        {
            if (!_inFlight.TryAdd(batchId, (events, endPosition)))
                throw new InvalidOperationException($"Batch '{batchId}' is already in flight.");
        }
    }

    public AckOutcome Complete(BatchAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        IReadOnlyList<PendingEvent> events;
        long endPosition;
        lock (_lock)
        {
            if (!_inFlight.Remove(ack.BatchId, out var entry))
                throw new AckProtocolException($"The server acknowledged batch '{ack.BatchId}', which is not in flight.");
            (events, endPosition) = entry;
        }

        var rejected = new List<ResolvedRejection>(ack.Rejected.Count);
        foreach (var rejection in ack.Rejected)
        {
            if (rejection.Index >= events.Count)
            {
                throw new AckProtocolException(
                    $"The ack of batch '{ack.BatchId}' rejects index {rejection.Index}, but the batch held {events.Count} events.");
            }

            var retryable = rejection.Retryable || rejection.Reason == RejectReason.Unavailable;
            rejected.Add(new ResolvedRejection(events[(int)rejection.Index], rejection.Reason, rejection.Message, retryable, TimeSpan.FromMilliseconds(rejection.RetryAfterMs)));
        }

        return new AckOutcome(ack.BatchId, events.Count, ack.Accepted, ack.Duplicates, ack.Ignored, rejected, endPosition);
    }

    /// <summary>Batch ids still waiting for their ack, for the error message when the stream ends early.</summary>
    public IReadOnlyList<string> PendingBatchIds()
    {
        lock (_lock) return [.. _inFlight.Keys];
    }
}
