namespace CertExportGrid.Cli.Delivery;

/// <summary>
/// When a stream fails with a retryable status: how long to wait before the next attempt, and when to
/// give up. Exponential backoff with "equal jitter": attempt n waits between half and all of
/// min(<see cref="InitialBackoff"/> * 2^(n-1), <see cref="MaxBackoff"/>), so collectors that lost the same
/// server do not all come back in the same millisecond, yet none retries immediately.
/// </summary>
internal sealed record ReconnectPolicy
{
    /// <summary>Failed attempts in a row (no acknowledgement in between) before giving up. Default 30; 1 = never retry.</summary>
    public int MaxAttempts { get; init; } = 30;

    /// <summary>The backoff before the first retry (before jitter). Default 250 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between two attempts (before jitter). Default 10 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The wait after the <paramref name="failures"/>-th failure in a row (from 1). A server's
    /// <c>retry-after-ms</c> hint, when present, is honoured instead (never shorter than asked, plus up to 10 % jitter).
    /// </summary>
    /// <param name="jitter">A number in [0, 1), normally <see cref="Random.NextDouble"/>.</param>
    public TimeSpan Delay(int failures, double jitter, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failures, 1);
        if (retryAfter is { } asked && asked >= TimeSpan.Zero)
            return asked + asked * (0.1 * jitter);

        var ceiling = MaxBackoff;
        // 2^(n-1) overflows quickly; past 2^30 the cap applies anyway.
        var exponential = InitialBackoff * Math.Pow(2, Math.Min(failures - 1, 30));
        if (exponential < ceiling)
            ceiling = exponential;
        return ceiling / 2 + ceiling / 2 * jitter;
    }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
    }
}
