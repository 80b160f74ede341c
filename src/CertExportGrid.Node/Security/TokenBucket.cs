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
    private long _horizon; // when the last event refused so far is due

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

    /// <summary>Books slots for <paramref name="over"/> events just refused (see <see cref="RateRefusal"/>).</summary>
    public RateRefusal Refuse(string kind, string limit, int over)
    {
        lock (_gate)
        {
            Refill();
            (var refusal, _horizon) = RateRefusal.Book(kind, limit, RatePerSecond, _tokens, over, _horizon, _stamp);
            return refusal;
        }
    }

    private void Refill()
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = (now - _stamp) / (double)Stopwatch.Frequency;
        _stamp = now;
        _tokens = Math.Min(Capacity, _tokens + (elapsed * RatePerSecond));
    }
}
