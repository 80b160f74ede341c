using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Replay;

/// <summary>The counters of one run, shared by the reader, the sender and the ack reader (hence the lock).</summary>
internal sealed class ReplayTally(IReadOnlyList<string> files, long bytesTotal)
{
    private readonly Lock _lock = new();
    private readonly List<ReplayRejection> _rejected = [];
    private int _files;
    private long _events, _sent, _resent, _acknowledged, _accepted, _duplicates, _ignored;

    /// <summary>Told of every final rejection as it happens (tail prints them live).</summary>
    public Action<ReplayRejection>? OnRejected { get; init; }

    /// <summary>A file was read to its end.</summary>
    public void FileRead()
    {
        lock (_lock) _files++;
    }

    /// <summary>tail: the files followed count as the run's files (none is ever read to an end).</summary>
    public void FilesFollowed(int count)
    {
        lock (_lock) _files = count;
    }

    /// <summary>Non-blank lines read (events and lines rejected locally).</summary>
    public void LinesRead(int lines)
    {
        lock (_lock) _events += lines;
    }

    /// <summary>An event refused here, without the server: a line that does not decode, an event too large to send.</summary>
    public void LocalRejection(string file, int line, RejectReason reason, string message)
    {
        var rejection = new ReplayRejection(file, line, reason, message, Retryable: false);
        lock (_lock) _rejected.Add(rejection);
        OnRejected?.Invoke(rejection);
    }

    /// <param name="resend">The batch goes again after a failed stream (every event counts as re-sent).</param>
    public void Sending(IReadOnlyList<PendingEvent> batch, bool resend = false)
    {
        lock (_lock)
        {
            foreach (var e in batch)
            {
                if (e.Attempt == 0 && !resend) _sent++;
                else _resent++;
            }
        }
    }

    /// <summary>
    /// Counts an ack. Returns the rejections to send again: every RATE_LIMITED one (backpressure:
    /// the budget refills, so waiting always gets it in) and the other retryable ones with retries
    /// left; and the events given up on although retryable, which must not be checkpointed so that
    /// a later run sends them again.
    /// </summary>
    public AckDisposition Apply(AckOutcome outcome, int maxRetries)
    {
        var retry = new List<ResolvedRejection>();
        var givenUp = new List<PendingEvent>();
        var final = new List<ReplayRejection>();
        lock (_lock)
        {
            _acknowledged += outcome.Events;
            _accepted += outcome.Accepted;
            _duplicates += outcome.Duplicates;
            _ignored += outcome.Ignored;
            foreach (var r in outcome.Rejected)
            {
                if (r.Retryable && (r.Reason == RejectReason.RateLimited || r.Event.Attempt < maxRetries))
                {
                    retry.Add(r);
                    continue;
                }

                if (r.Retryable)
                    givenUp.Add(r.Event);
                final.Add(new ReplayRejection(r.Event.File, r.Event.Line, r.Reason, r.Event.Note is { } note ? $"{r.Message} ({note})" : r.Message, r.Retryable));
            }

            _rejected.AddRange(final);
        }

        foreach (var rejection in final)
            OnRejected?.Invoke(rejection);
        return new AckDisposition(retry, givenUp);
    }

    public ReplayProgress Progress(long bytesAcknowledged)
    {
        lock (_lock) return new ReplayProgress(_events, _sent, _acknowledged, bytesAcknowledged, bytesTotal);
    }

    public ReplaySummary Summary()
    {
        lock (_lock)
        {
            var order = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < files.Count; i++)
                order.TryAdd(files[i], i);
            var rejected = _rejected
                .OrderBy(r => order.GetValueOrDefault(r.File, int.MaxValue))
                .ThenBy(r => r.Line)
                .ToList();
            return new ReplaySummary(_files, _events, _sent, _resent, _accepted, _duplicates, _ignored, rejected);
        }
    }
}

/// <summary>What to do with an ack's rejections: send some again; leave others unconfirmed.</summary>
internal sealed record AckDisposition(IReadOnlyList<ResolvedRejection> Retry, IReadOnlyList<PendingEvent> GivenUp);
