using System.ComponentModel.DataAnnotations;

namespace CertExportGrid.Node.Security;

/// <summary>
/// Ingest rate limits (configuration section CertExportGrid:Ingest:RateLimits), token buckets in
/// events per second with a burst. Events over a limit are rejected one by one as RATE_LIMITED,
/// retryable, with the wait in the message; the stream stays open. 0 turns a limit off.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "CertExportGrid:Ingest:RateLimits";

    /// <summary>Per ingest stream (default 50,000 events/s).</summary>
    [Range(0d, 100_000_000d)] // double bounds: NaN and Infinity fail validation instead of overflowing an int conversion
    public double StreamEventsPerSecond { get; set; } = 50_000;

    /// <summary>Stream bucket size (default 100,000 events).</summary>
    [Range(1, int.MaxValue)]
    public int StreamBurst { get; set; } = 100_000;

    /// <summary>Per collector identity, over all its streams on this gateway (default 200,000 events/s).</summary>
    [Range(0d, 100_000_000d)] // double bounds: NaN and Infinity fail validation instead of overflowing an int conversion
    public double IdentityEventsPerSecond { get; set; } = 200_000;

    /// <summary>Identity bucket size (default 400,000 events).</summary>
    [Range(1, int.MaxValue)]
    public int IdentityBurst { get; set; } = 400_000;

    /// <summary>
    /// Per (dest, subject) key on this gateway, so one collector cannot flood one grain
    /// (default 2,000 accepted events/s). Counted after parsing, on in-scope events only.
    /// </summary>
    [Range(0d, 100_000_000d)] // double bounds: NaN and Infinity fail validation instead of overflowing an int conversion
    public double KeyEventsPerSecond { get; set; } = 2_000;

    /// <summary>Key bucket size (default 20,000 events).</summary>
    [Range(1, int.MaxValue)]
    public int KeyBurst { get; set; } = 20_000;
}
