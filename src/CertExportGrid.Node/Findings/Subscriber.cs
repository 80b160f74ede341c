using CertExportGrid.Grains;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// One connected Subscribe call: a bounded buffer between the fan-out (which must never wait) and
/// the gRPC writer (which goes at the client's pace). Overflow discards the buffer and raises a
/// gap flag; the writer then resynchronises the client with a snapshot.
/// </summary>
public sealed class Subscriber(long id, FindingMatcher matcher, int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<FindingSnapshot> _buffer = new();
    private readonly SemaphoreSlim _signal = new(0);
    private long _dropped;
    private bool _inGap;

    public long Id { get; } = id;

    public FindingMatcher Matcher { get; } = matcher;

    /// <summary>Called by the fan-out; never blocks. Returns false when the update was dropped.</summary>
    public bool Offer(FindingSnapshot update)
    {
        lock (_gate)
        {
            if (_inGap || _buffer.Count >= capacity)
            {
                // Everything queued is stale once one update is lost: the snapshot replaces it.
                _dropped += _buffer.Count + 1;
                _buffer.Clear();
                _inGap = true;
                Wake();
                return false;
            }

            _buffer.Enqueue(update);
        }

        Wake();
        return true;
    }

    /// <summary>Waits for the next item: an update, or a gap (non-null dropped count).</summary>
    public async Task<(FindingSnapshot? Update, long? Dropped)> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_inGap)
                {
                    var dropped = _dropped;
                    _dropped = 0;
                    _inGap = false;
                    return (null, dropped);
                }

                if (_buffer.TryDequeue(out var update))
                {
                    return (update, null);
                }
            }

            await _signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>True when nothing is waiting to be written.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return !_inGap && _buffer.Count == 0;
            }
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
