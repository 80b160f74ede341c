using CertExportGrid.Grains;

namespace CertExportGrid.Node.Findings;

/// <summary>What a subscription's writer gets next: an update with its log sequence, or a gap.</summary>
public readonly record struct SubscriberItem(long Sequence, FindingSnapshot? Update, long Dropped)
{
    public bool IsGap => Update is null;
}

/// <summary>
/// One connected Subscribe call: a bounded buffer between the fan-out (which must never wait) and
/// the gRPC writer (which goes at the client's pace). Overflow discards the buffer and raises a
/// gap; the writer then resynchronises the client with a snapshot. A resumed subscription starts
/// with a backlog from the update log, which does not count against the bound.
/// </summary>
public sealed class Subscriber(long id, FindingMatcher matcher, int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Sequence, FindingSnapshot Update)> _buffer = new();
    private readonly SemaphoreSlim _signal = new(0);
    private int _backlog;
    private long _dropped;
    private long _gapSequence;
    private bool _inGap;

    public long Id { get; } = id;

    public FindingMatcher Matcher { get; } = matcher;

    /// <summary>True when <see cref="NextAsync"/> would return at once (an update or a gap is waiting).</summary>
    public bool HasPending
    {
        get
        {
            lock (_gate)
            {
                return _inGap || _buffer.Count > 0;
            }
        }
    }

    /// <summary>Queues missed updates ahead of live ones (on resume).</summary>
    public void Preload(IEnumerable<(long Sequence, FindingSnapshot Update)> backlog)
    {
        lock (_gate)
        {
            foreach (var entry in backlog)
            {
                _buffer.Enqueue(entry);
                _backlog++;
            }
        }

        Wake();
    }

    /// <summary>Called by the fan-out; never blocks. Returns false when the update was dropped.</summary>
    public bool Offer(long sequence, FindingSnapshot update)
    {
        lock (_gate)
        {
            if (_inGap || _buffer.Count - _backlog >= capacity)
            {
                // Everything queued is stale once one update is lost: the snapshot replaces it.
                _dropped += _buffer.Count + 1;
                _buffer.Clear();
                _backlog = 0;
                _inGap = true;
                _gapSequence = sequence;
                Wake();
                return false;
            }

            _buffer.Enqueue((sequence, update));
        }

        Wake();
        return true;
    }

    /// <summary>
    /// Waits for the next item. A gap carries the number dropped and the sequence of the last
    /// dropped update: a snapshot read afterwards covers everything up to it.
    /// </summary>
    public async Task<SubscriberItem> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_inGap)
                {
                    var gap = new SubscriberItem(_gapSequence, null, _dropped);
                    _dropped = 0;
                    _inGap = false;
                    return gap;
                }

                if (_buffer.TryDequeue(out var entry))
                {
                    _backlog = Math.Max(0, _backlog - 1);
                    return new SubscriberItem(entry.Sequence, entry.Update, 0);
                }
            }

            await _signal.WaitAsync(cancellationToken);
        }
    }

    private void Wake()
    {
        // Keep at most one pending permit: the reader drains everything each time it wakes.
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }
}
