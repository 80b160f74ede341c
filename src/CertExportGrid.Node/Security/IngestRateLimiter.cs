using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Security;

/// <summary>
/// The gateway's ingest budgets: a bucket per stream, one per collector identity, and a fixed table
/// of buckets for (dest, subject) keys. The key table is indexed by a per-process randomised hash,
/// so its memory is fixed whatever a collector sends; two keys may share a bucket (their budgets
/// add up), and no one outside can choose which.
/// </summary>
public sealed class IngestRateLimiter
{
    private const int KeySlots = 1 << 16;

    private readonly RateLimitOptions _options;
    private readonly ConcurrentDictionary<string, TokenBucket> _identities = new(StringComparer.Ordinal);
    private readonly KeySlot[] _keys;
    private readonly Lock[] _keyLocks = [.. Enumerable.Range(0, 256).Select(_ => new Lock())];

    public IngestRateLimiter(IOptions<RateLimitOptions> options)
    {
        _options = options.Value;
        _keys = _options.KeyEventsPerSecond > 0 ? new KeySlot[KeySlots] : [];
        KeyLimitText = $"key limit {IngestSession.Rate(_options.KeyEventsPerSecond)} events/s, burst {_options.KeyBurst} per (dest, subject) (CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond, KeyBurst)";
    }

    public RateLimitOptions Options => _options;

    /// <summary>The per-key limit as a refused event's message states it.</summary>
    public string KeyLimitText { get; }

    /// <summary>Budgets of one ingest stream of <paramref name="caller"/>.</summary>
    public IngestSession Open(Caller caller)
    {
        var stream = _options.StreamEventsPerSecond > 0 ? new TokenBucket(_options.StreamEventsPerSecond, _options.StreamBurst) : null;
        var identity = _options.IdentityEventsPerSecond > 0
            ? _identities.GetOrAdd(caller.Name, _ => new TokenBucket(_options.IdentityEventsPerSecond, _options.IdentityBurst))
            : null;
        return new IngestSession(caller, stream, identity, this);
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> events of budget for the key at once (one lookup per
    /// key per batch, not per event) and returns how many it got; when fewer,
    /// <paramref name="refusal"/> says when each refused event is due.
    /// </summary>
    public int TakeKeyEvents(string encodedKey, int wanted, out RateRefusal refusal)
    {
        refusal = default;
        if (_keys.Length == 0)
        {
            return wanted;
        }

        var index = (uint)encodedKey.GetHashCode() % KeySlots;
        lock (_keyLocks[index % (uint)_keyLocks.Length])
        {
            ref var slot = ref _keys[index];
            var now = Stopwatch.GetTimestamp();
            if (slot.Stamp == 0)
            {
                slot.Tokens = _options.KeyBurst;
            }
            else
            {
                var elapsed = (now - slot.Stamp) / (double)Stopwatch.Frequency;
                slot.Tokens = Math.Min(_options.KeyBurst, slot.Tokens + (elapsed * _options.KeyEventsPerSecond));
            }

            slot.Stamp = now;
            var granted = (int)Math.Min(wanted, Math.Floor(slot.Tokens));
            slot.Tokens -= granted;
            if (granted < wanted)
            {
                (refusal, slot.Horizon) = RateRefusal.Book("key", KeyLimitText, _options.KeyEventsPerSecond, slot.Tokens, wanted - granted, slot.Horizon, now);
            }

            return granted;
        }
    }

    private struct KeySlot
    {
        public double Tokens;
        public long Stamp;
        public long Horizon; // when the last event refused so far is due (see RateRefusal)
    }
}

/// <summary>One ingest stream's caller and budgets.</summary>
public sealed class IngestSession(Caller caller, TokenBucket? stream, TokenBucket? identity, IngestRateLimiter limiter)
{
    /// <summary>A session with no limits for local mode's caller (used where no stream exists).</summary>
    public static IngestSession Unlimited(IngestRateLimiter limiter) => new(Caller.Local, null, null, limiter);

    public Caller Caller { get; } = caller;

    /// <summary>
    /// Admits up to <paramref name="count"/> events of a batch against the stream and identity
    /// budgets; the rest are rejected unparsed. Returns the number admitted and, when short, the
    /// refusal of the budget that limited last.
    /// </summary>
    public int Admit(int count, out RateRefusal refusal)
    {
        refusal = default;
        var granted = count;
        if (stream is not null)
        {
            granted = stream.TakeUpTo(granted);
            if (granted < count)
            {
                refusal = stream.Refuse(
                    "stream",
                    $"stream limit {Rate(stream)} events/s, burst {stream.Capacity} (CertExportGrid:Ingest:RateLimits:StreamEventsPerSecond, StreamBurst)",
                    count - granted);
            }
        }

        if (identity is not null && granted > 0)
        {
            var fromIdentity = identity.TakeUpTo(granted);
            if (fromIdentity < granted)
            {
                stream?.Return(granted - fromIdentity);
                granted = fromIdentity;
                refusal = identity.Refuse(
                    "identity",
                    $"limit of identity '{Caller.Name}' {Rate(identity)} events/s, burst {identity.Capacity} (CertExportGrid:Ingest:RateLimits:IdentityEventsPerSecond, IdentityBurst)",
                    count - granted);
            }
        }

        return granted;
    }

    public int TakeKeyEvents(string encodedKey, int wanted, out RateRefusal refusal) => limiter.TakeKeyEvents(encodedKey, wanted, out refusal);

    private static string Rate(TokenBucket bucket) => Rate(bucket.RatePerSecond);

    internal static string Rate(double perSecond) => perSecond.ToString("0.##", CultureInfo.InvariantCulture);
}
