using System.Text.Json;

namespace CertExportGrid.Node.Tests.Conformance;

/// <summary>One folder of Cases/: input lines as raw bytes, and the findings they must produce.</summary>
public sealed record ConformanceCase(string Name, IReadOnlyList<byte[]> Lines, IReadOnlyList<ExpectedFinding> Findings, IReadOnlyList<int> RejectedLines)
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Cases");

    public static IEnumerable<string> Names() =>
        Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static ConformanceCase Load(string name)
    {
        var folder = Path.Combine(Root, name);
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "expected.json")));
        var findings = expected.RootElement.GetProperty("findings").EnumerateArray()
            .Select(finding => new ExpectedFinding(
                finding.GetProperty("dest").GetString()!,
                finding.GetProperty("subject").GetString()!,
                finding.GetProperty("count").GetInt64(),
                ParseInstant(finding.GetProperty("firstTime").GetString()!),
                ParseInstant(finding.GetProperty("lastTime").GetString()!)))
            .ToList();
        var rejected = expected.RootElement.TryGetProperty("rejectedLines", out var lines)
            ? lines.EnumerateArray().Select(line => line.GetInt32()).ToList()
            : [];
        return new ConformanceCase(name, SplitLines(File.ReadAllBytes(Path.Combine(folder, "input.xml"))), findings, rejected);
    }

    /// <summary>Splits on LF as bytes (one line may be in another encoding), dropping a trailing CR and a final empty line.</summary>
    public static IReadOnlyList<byte[]> SplitLines(byte[] content)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= content.Length; i++)
        {
            if (i < content.Length && content[i] != (byte)'\n')
            {
                continue;
            }

            var end = i > start && content[i - 1] == (byte)'\r' ? i - 1 : i;
            if (i < content.Length || end > start)
            {
                lines.Add(content[start..end]);
            }

            start = i + 1;
        }

        return lines;
    }

    private static DateTime ParseInstant(string iso) =>
        DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
}

public sealed record ExpectedFinding(string Dest, string Subject, long Count, DateTime FirstTime, DateTime LastTime);
