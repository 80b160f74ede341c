extern alias cli;

using System.Text.Json;
using System.Text.RegularExpressions;
using CertExportGrid.Node.Tests.Infrastructure;
using ReplayClient = cli::CertExportGrid.Cli.Replay.ReplayClient;

namespace CertExportGrid.Node.Tests.Conformance;

/// <summary>
/// The bundled samples, replayed by the CLI's collector code over real gRPC, produce exactly the
/// findings samples/README.md promises (and the Splunk row count of each).
/// </summary>
public sealed partial class SamplesTests
{
    [Fact]
    public async Task Samples_Replayed_ProduceTheDocumentedFindings()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "samples");
        var files = Directory.GetFiles(folder, "*.xml").Order(StringComparer.Ordinal).ToList();
        await using var factory = new NodeFactory();
        using var channel = factory.CreateChannel();

        var summary = await new ReplayClient(channel).ReplayAsync(files);

        Assert.Empty(summary.Rejected);
        var expected = Documented(File.ReadAllText(Path.Combine(folder, "README.md")));
        Assert.Equal(expected.Sum(e => e.Count), summary.Accepted - summary.Duplicates);
        var findings = await IngestDriver.ListAllAsync(channel);
        var actual = findings
            .Select(f => (f.Dest, f.Subject, (long)f.Count, f.FirstTime.ToDateTime(), f.LastTime.ToDateTime(), (int)f.RowCount))
            .ToList();
        Assert.Equal(expected.Select(e => (e.Dest, e.Subject, e.Count, e.First, e.Last, e.Rows)), actual);
    }

    private static List<(string Dest, string Subject, long Count, DateTime First, DateTime Last, int Rows)> Documented(string readme)
    {
        var json = JsonFence().Match(readme).Groups[1].Value;
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("findings").EnumerateArray().Select(f => (
            f.GetProperty("dest").GetString()!,
            f.GetProperty("subject").GetString()!,
            f.GetProperty("count").GetInt64(),
            Instant(f.GetProperty("firstTime").GetString()!),
            Instant(f.GetProperty("lastTime").GetString()!),
            f.GetProperty("rows").GetInt32()))
            .OrderBy(f => f.Item1, StringComparer.Ordinal).ThenBy(f => f.Item2, StringComparer.Ordinal)];
    }

    private static DateTime Instant(string iso) =>
        DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);

    [GeneratedRegex("```json\\s*(\\{.*?\\})\\s*```", RegexOptions.Singleline)]
    private static partial Regex JsonFence();
}
