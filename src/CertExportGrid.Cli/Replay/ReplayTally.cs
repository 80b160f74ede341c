using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Replay;

/// <summary>
/// The counters of one replay run, shared by the sender and the ack reader (hence the lock), and the
/// events waiting for their next retry round.
/// </summary>
internal sealed class ReplayTally(IReadOnlyList<string> files, long bytesTotal, int maxRetries)
{
    private readonly Lock _lock = new();
    private readonly List<ReplayRejection> _rejected = [];
    private List<PendingEvent> _retry = [];
    private int _files;
    private long _events, _sent, _resent, _acknowledged, _accepted, _duplicates, _ignored, _position;

    public void FileRead(int eventsInFile)
    {
        lock (_lock)
        {
            _files++;
            _events += eventsInFile;
        }
    }

    public void LocalRejection(string file, int line, string message)
    {
        lock (_lock) _rejected.Add(new ReplayRejection(file, line, RejectReason.InvalidEncoding, message, Retryable: false));
    }

    public void Sending(IReadOnlyList<PendingEvent> batch)
    {
        lock (_lock)
        {
            foreach (var e in batch)
            {
                if (e.Attempt == 0) _sent++;
                else _resent++;
            }
        }
    }

    public void Apply(AckOutcome outcome)
    {
        lock (_lock)
        {
            _acknowledged += outcome.Events;
            _accepted += outcome.Accepted;
            _duplicates += outcome.Duplicates;
            _ignored += outcome.Ignored;
            _position = Math.Max(_position, outcome.EndPosition);
            foreach (var r in outcome.Rejected)
            {
                if (r.Retryable && r.Event.Attempt < maxRetries)
                    _retry.Add(r.Event with { Attempt = r.Event.Attempt + 1 });
                else
                    _rejected.Add(new ReplayRejection(r.Event.File, r.Event.Line, r.Reason, r.Message, r.Retryable));
            }
        }
    }

    /// <summary>Hands over the events due for a retry round and starts a fresh list.</summary>
    public List<PendingEvent> TakeRetries()
    {
        lock (_lock)
        {
            var due = _retry;
            _retry = [];
            return due;
        }
    }

    public void AllRead()
    {
        lock (_lock) _position = bytesTotal;
    }

    public ReplayProgress Progress()
    {
        lock (_lock) return new ReplayProgress(_events, _sent, _acknowledged, _position, bytesTotal);
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
