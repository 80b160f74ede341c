namespace CertExportGrid.Node.Security;

/// <summary>
/// Why and until when a budget refuses a batch's events beyond what it admitted. Each refused event
/// gets its own slot: the n-th refused event (from 0) is due when the budget has refilled n + 1
/// tokens. Sent again at their slots, the events are admitted as the budget refills, instead of all
/// returning at once, being refused again but for a burst, and so on (which re-sent a backlog's
/// events a number of times that grew with the backlog).
/// </summary>
/// <param name="Limit">The limit as the message states it: name, rate, burst, setting keys.</param>
/// <param name="RatePerSecond">The budget's refill rate.</param>
/// <param name="TokensLeft">What the budget held after admitting (below 1).</param>
public readonly record struct RateRefusal(string Limit, double RatePerSecond, double TokensLeft)
{
    /// <summary>Longer than any sensible wait; keeps a tiny configured rate from overflowing a TimeSpan.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>The wait for the refused event at <paramref name="position"/> (0 for the first refused).</summary>
    public TimeSpan WaitFor(int position)
    {
        var seconds = Math.Max(0, position + 1 - TokensLeft) / RatePerSecond;
        return double.IsFinite(seconds) && seconds < MaxWait.TotalSeconds ? TimeSpan.FromSeconds(seconds) : MaxWait;
    }
}
