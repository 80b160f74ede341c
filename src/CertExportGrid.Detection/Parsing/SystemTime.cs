using System.Globalization;

namespace CertExportGrid.Detection.Parsing;

/// <summary>TimeCreated/@SystemTime parsing and the Splunk ctime rendering.</summary>
public static class SystemTime
{
    private const int MaxOffsetMinutes = 14 * 60;

    /// <summary>
    /// Parses an ISO 8601 time with 0-9 fraction digits (truncated to 100 ns), with Z, an offset,
    /// or no zone (read as UTC). Returns a UTC DateTime.
    /// </summary>
    /// <remarks>
    /// Hand-written rather than ParseExact: a fixed "fffffff" pattern refuses the 9-digit fraction
    /// Event Viewer writes, and DateTime.Parse would read a zone-less value as server-local time.
    /// </remarks>
    public static bool TryParse(string? text, out DateTime utc)
    {
        utc = default;
        if (text is null)
        {
            return false;
        }

        var s = text.AsSpan().Trim();
        // yyyy-MM-ddTHH:mm:ss is the fixed 19-character head every accepted shape starts with.
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month)
            || !TryDigits(s.Slice(8, 2), out var day) || !TryDigits(s.Slice(11, 2), out var hour)
            || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var rest = s[19..];
        long fractionTicks = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }

            if (digits == 1)
            {
                return false; // a dot with no digits
            }

            fractionTicks = FractionToTicks(rest[1..digits]);
            rest = rest[digits..];
        }

        if (!TryParseZone(rest, out var offsetMinutes))
        {
            return false;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fractionTicks;
        var ticks = local - (offsetMinutes * TimeSpan.TicksPerMinute);
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        utc = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }

    /// <summary>The search's security_content_ctime format: %Y-%m-%dT%H:%M:%S in UTC, no fraction.</summary>
    public static string ToSplunk(DateTime utc)
        => AsUtc(utc).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 UTC with all seven fraction digits, e.g. 2024-05-14T09:12:33.4567891Z.</summary>
    public static string ToIso(DateTime utc)
        => AsUtc(utc).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'", CultureInfo.InvariantCulture);

    // Unspecified is taken as UTC (that is what every caller holds); Local is converted.
    private static DateTime AsUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    // Digits beyond the seventh are below DateTime's 100 ns resolution and are dropped, not rounded,
    // so that 9-digit and 7-digit renderings of one event give the same instant.
    private static long FractionToTicks(ReadOnlySpan<char> digits)
    {
        long ticks = 0;
        for (var i = 0; i < 7; i++)
        {
            ticks = (ticks * 10) + (i < digits.Length ? digits[i] - '0' : 0);
        }

        return ticks;
    }

    private static bool TryParseZone(ReadOnlySpan<char> zone, out int offsetMinutes)
    {
        offsetMinutes = 0;
        if (zone.IsEmpty)
        {
            return true; // SystemTime is defined as UTC; a missing zone never means local time
        }

        if (zone.Length == 1)
        {
            return zone[0] is 'Z' or 'z';
        }

        if (zone.Length != 6 || zone[0] is not ('+' or '-') || zone[3] != ':'
            || !TryDigits(zone.Slice(1, 2), out var hours) || !TryDigits(zone.Slice(4, 2), out var minutes)
            || minutes > 59)
        {
            return false;
        }

        offsetMinutes = (hours * 60) + minutes;
        if (offsetMinutes > MaxOffsetMinutes)
        {
            return false;
        }

        if (zone[0] == '-')
        {
            offsetMinutes = -offsetMinutes;
        }

        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> span, out int value)
    {
        value = 0;
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
