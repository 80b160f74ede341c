namespace CertExportGrid.Detection.Parsing;

/// <summary>TimeCreated/@SystemTime parsing and the Splunk ctime rendering.</summary>
public static class SystemTime
{
    /// <summary>
    /// Parses an ISO 8601 time with 0-9 fraction digits (truncated to 100 ns), with Z, an offset,
    /// or no zone (read as UTC). Returns a UTC DateTime.
    /// </summary>
    public static bool TryParse(string? text, out DateTime utc) => throw new NotImplementedException();

    /// <summary>The search's security_content_ctime format: %Y-%m-%dT%H:%M:%S in UTC, no fraction.</summary>
    public static string ToSplunk(DateTime utc) => throw new NotImplementedException();

    /// <summary>ISO 8601 UTC with all seven fraction digits, e.g. 2024-05-14T09:12:33.4567891Z.</summary>
    public static string ToIso(DateTime utc) => throw new NotImplementedException();
}
