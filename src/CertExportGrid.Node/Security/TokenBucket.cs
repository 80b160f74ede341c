using System.Diagnostics;

namespace CertExportGrid.Node.Security;

/// <summary>
/// A token bucket refilled lazily from the monotonic clock: <c>rate</c> tokens per second up to
/// <c>capacity</c>. Grants partially, so a batch gets as many events through as the budget allows.
/// </summary>
public sealed class TokenBucket(double ratePerSecond, int capacity)
{
    private readonly Lock _gate = new();
    private double _tokens = capacity;
    private long _stamp = Stopwatch.GetTimestamp();

    public double RatePerSecond { get; } = ratePerSecond;

    /// <summary>Takes up to <paramref name="wanted"/> tokens; returns how many were granted.</summary>
    public int TakeUpTo(int wanted)
    {
        lock (_gate)
        {
            Refill();
            var granted = (int)Math.Min(wanted, Math.Floor(_tokens));
            _tokens -= granted;
            return granted;
        }
    }

    /// <summary>Gives back tokens taken but not used.</summary>
    public void Return(int tokens)
    {
        if (tokens <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _tokens = Math.Min(Capacity, _tokens + tokens);
        }
    }

    public int Capacity { get; } = capacity;

    /// <summary>
    /// How long until the bucket holds <paramref name="events"/> tokens (at most its capacity): the
    /// wait after which events refused now would all be taken if sent again together.
    /// </summary>
    public TimeSpan RetryAfter(int events)
    {
        lock (_gate)
        {
            Refill();
            return WaitFor(events, _tokens, RatePerSecond, Capacity);
        }
    }

    /// <summary>The wait until a bucket with <paramref name="tokens"/> refills to cover <paramref name="events"/> (capped at its capacity).</summary>
    public static TimeSpan WaitFor(int events, double tokens, double ratePerSecond, int capacity) =>
        TimeSpan.FromSeconds(Math.Max(0, Math.Min(events, capacity) - tokens) / ratePerSecond);

    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = (now - _stamp) / (double)Stopwatch.Frequency;
        _stamp = now;
        _tokens = Math.Min(Capacity, _tokens + (elapsed * RatePerSecond));
    }
}
