using CertExportGrid.Grains;

namespace CertExportGrid.Node.Findings;

/// <summary>What a subscription's writer gets next: an update with its log sequence, or a gap.</summary>
public readonly record struct SubscriberItem(long Sequence, FindingSnapshot? Update, long Dropped)
{
    public bool IsGap => Update is null;
}

/// <summary>
/// One connected Subscribe call, between the fan-out (which must never wait) and the gRPC writer
/// (which goes at the client's pace). Live updates go into a bounded buffer. A subscriber that falls
/// more than the buffer behind is not dropped at once: its writer goes on from the gateway's update
/// log (the ring that serves resume_from), in order, and re-joins the live updates once it has read
/// up to the newest. Only when it falls further behind than the log holds are its missed updates
/// gone; then it gets a gap, which the writer answers with a snapshot. A resumed subscription starts
/// the same way, behind, at its resume position.
/// </summary>
/// <remarks>
/// Reading from the log costs nothing per update beyond the read itself, whereas a snapshot reads
/// every finding from its grain: a snapshot per overflow turned one slow subscriber during a storm
/// of new keys into a quarter of the node's CPU (docs/benchmarks.md, sixth round).
/// </remarks>
public sealed class Subscriber
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Sequence, FindingSnapshot Update)> _buffer = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly int _capacity;
    private readonly UpdateLog _log;
    private readonly Lock _logGate;
    private long _lastTaken;   // newest sequence handed to the writer, or covered by a gap's snapshot
    private bool _behind;      // live updates are not queued: the writer reads them from the log
    private long _readThrough; // while behind: the log has been read up to this sequence
    private long _unread;      // while behind: updates offered and not yet read back from the log
    private bool _inGap;
    private long _gapSequence;
    private long _dropped;

    /// <summary>
    /// Created under <paramref name="logGate"/>, the lock the fan-out holds while it appends to
    /// <paramref name="log"/> and offers updates. The subscription starts after
    /// <paramref name="startAfter"/>: the log's newest sequence for a new subscription, the resume
    /// position (which the log must hold) for a resumed one.
    /// </summary>
    public Subscriber(long id, FindingMatcher matcher, int capacity, UpdateLog log, Lock logGate, long startAfter)
    {
        Id = id;
        Matcher = matcher;
        _capacity = capacity;
        _log = log;
        _logGate = logGate;
        _lastTaken = _readThrough = startAfter;
        _behind = startAfter < log.Newest;
    }

    public long Id { get; }

    public FindingMatcher Matcher { get; }

    /// <summary>
    /// Called by the fan-out, under the log's lock, after appending the update to the log; never
    /// blocks. False when the update was not queued live (the subscriber is behind and will read it
    /// from the log).
    /// </summary>
    public bool Offer(long sequence, FindingSnapshot update)
    {
        lock (_gate)
        {
            if (_behind)
            {
                _unread++;
                return false;
            }

            if (_buffer.Count >= _capacity)
            {
                // Everything queued is in the log too: drop the queue and go on from the log after
                // the last update the writer took.
                _unread = _buffer.Count + 1;
                _buffer.Clear();
                _behind = true;
                _readThrough = _lastTaken;
                Wake();
                return false;
            }

            _buffer.Enqueue((sequence, update));
        }

        Wake();
        return true;
    }

    /// <summary>
    /// Waits for the next item. A gap carries the number dropped and the sequence up to which a
    /// snapshot read afterwards covers everything. The returned task is already complete when an
    /// item was ready (queued, or read from the log) and incomplete only when the call has to wait
    /// for a new update: the writer uses that to flush exactly before waiting.
    /// </summary>
    public async Task<SubscriberItem> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            bool behind;
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
                    _lastTaken = entry.Sequence;
                    return new SubscriberItem(entry.Sequence, entry.Update, 0);
                }

                behind = _behind;
            }

            if (behind)
            {
                ReadBehind();
                continue;
            }

            await _signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Queues the next matching updates from the log (at most half the buffer, so live updates
    /// have room after re-joining); re-joins the live updates when the log has been read to its end.
    /// </summary>
    private void ReadBehind()
    {
        var chunk = Math.Max(1, _capacity / 2);
        var read = new List<(long Sequence, FindingSnapshot Update)>(Math.Min(chunk, 1_024));
        // The fan-out appends and offers under the log's lock, so no update falls between the last
        // one read here and the first one queued live. Lock order: the log's, then this one's.
        lock (_logGate)
        {
            // Only this method moves _readThrough while behind, and Offer sets it under the log's lock.
            if (!_log.TryReadAfter(_readThrough, chunk, Matcher.Matches, read, out var readThrough))
            {
                lock (_gate)
                {
                    // Further behind than the log holds: those updates are gone, a snapshot replaces them.
                    _dropped = Math.Max(1, _unread);
                    _unread = 0;
                    _inGap = true;
                    _gapSequence = _lastTaken = _log.Newest;
                    _behind = false;
                    _buffer.Clear();
                }

                return;
            }

            lock (_gate)
            {
                foreach (var entry in read)
                {
                    _buffer.Enqueue(entry);
                }

                _unread = Math.Max(0, _unread - read.Count);
                _readThrough = readThrough;
                if (readThrough == _log.Newest)
                {
                    _behind = false;
                    _unread = 0;
                }
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
