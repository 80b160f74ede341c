using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace CertExportGrid.Cli.Output;

/// <summary>Exact conversion of protobuf Timestamps (100 ns is all a DateTime holds, and all Windows records).</summary>
internal static class Timestamps
{
    /// <summary>ISO 8601 UTC with exactly seven fraction digits, e.g. 2024-05-14T09:12:33.4567891Z.</summary>
    public const string IsoFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private const long TicksPerSecond = TimeSpan.TicksPerSecond;
    private const long MinSeconds = -62_135_596_800;   // 0001-01-01T00:00:00Z
    private const long MaxSeconds = 253_402_300_799;   // 9999-12-31T23:59:59Z

    /// <summary>
    /// The UTC DateTime of <paramref name="timestamp"/>, truncated to 100 ns; null when absent or outside
    /// the range a Timestamp may hold (0001-01-01 to 9999-12-31) or with nanos outside 0..999,999,999.
    /// </summary>
    public static DateTime? ToDateTime(Timestamp? timestamp)
    {
        if (timestamp is null)
            return null;
        if (timestamp.Seconds is < MinSeconds or > MaxSeconds || timestamp.Nanos is < 0 or > 999_999_999)
            return null;
        var ticks = DateTime.UnixEpoch.Ticks + (timestamp.Seconds * TicksPerSecond) + (timestamp.Nanos / 100);
        return new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary><see cref="IsoFormat"/> text of the timestamp, or null when <see cref="ToDateTime"/> gives none.</summary>
    public static string? ToIso(Timestamp? timestamp) =>
        ToDateTime(timestamp)?.ToString(IsoFormat, CultureInfo.InvariantCulture);
}
