using System.Diagnostics;

namespace CertExportGrid.Node.Security;

/// <summary>
/// Why and until when a budget refuses a batch's events beyond what it admitted. Each refused event
/// gets its own slot, after the slots already given to events refused before (the budget's horizon):
/// the n-th refused event (from 0) is due at <see cref="Offset"/> plus the time the budget needs to
/// refill n + 1 tokens. Sent again at their slots, the events are admitted as the budget refills,
/// instead of all returning at once and being refused again but for a burst (which re-sent a
/// backlog's events a number of times that grew with the backlog).
/// </summary>
/// <param name="Kind">Which budget refused: stream, identity or key (the metric's label).</param>
/// <param name="Limit">The limit as the message states it: name, rate, burst, setting keys.</param>
/// <param name="RatePerSecond">The budget's refill rate.</param>
/// <param name="TokensLeft">What the budget held after admitting (below 1).</param>
/// <param name="Offset">How far ahead earlier refusals have already booked the budget.</param>
public readonly record struct RateRefusal(string Kind, string Limit, double RatePerSecond, double TokensLeft, TimeSpan Offset)
{
    /// <summary>Longer than any sensible wait; keeps a tiny configured rate from overflowing a TimeSpan.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>The wait for the refused event at <paramref name="position"/> (0 for the first refused).</summary>
    public TimeSpan WaitFor(int position)
    {
        var seconds = Offset.TotalSeconds + (Math.Max(0, position + 1 - TokensLeft) / RatePerSecond);
        return double.IsFinite(seconds) && seconds < MaxWait.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxWait;
    }

    /// <summary>
    /// Books <paramref name="over"/> refused events after <paramref name="horizon"/> (a monotonic
    /// timestamp; earlier than <paramref name="now"/> means nothing is booked) and returns the
    /// refusal and the new horizon, the time the last of them is due.
    /// </summary>
    public static (RateRefusal Refusal, long Horizon) Book(string kind, string limit, double ratePerSecond, double tokensLeft, int over, long horizon, long now)
    {
        var offset = TimeSpan.FromSeconds(Math.Max(0, horizon - now) / (double)Stopwatch.Frequency);
        // While earlier refusals are booked ahead, the tokens held now are theirs: count from none.
        var refusal = new RateRefusal(kind, limit, ratePerSecond, offset > TimeSpan.Zero ? 0 : tokensLeft, offset);
        var last = refusal.WaitFor(over - 1);
        return (refusal, now + (long)(last.TotalSeconds * Stopwatch.Frequency));
    }
}
