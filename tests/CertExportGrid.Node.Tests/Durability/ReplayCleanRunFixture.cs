using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>
/// The delivery-guarantees workload (50,000 event-1007 lines over 2,000 (dest, subject) keys, one per
/// line, UTF-8) and the findings of an uninterrupted run, computed once for the tests that break a
/// run and compare against it.
/// </summary>
public sealed partial class ReplayCleanRunFixture : IAsyncLifetime
{
    public const int EventCount = 50_000;
    public const int KeyCount = 2_000;

    /// <summary>Same delivery options in every run, so batches (and therefore versions) line up.</summary>
    public static readonly string[] DeliveryOptions = ["--quiet", "--batch-size", "250", "--max-in-flight", "4"];

    private readonly TempDirectory _temp = new();

    public string InputFile => _temp.Combine("exports-1007.xml");

    public string WorkingDirectory => _temp.Path;

    /// <summary><c>findings --format json</c> of the clean run, byte for byte.</summary>
    public string CleanFindings { get; private set; } = "";

    public string CleanReplaySummary { get; private set; } = "";

    public TimeSpan CleanReplayDuration { get; private set; }

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(InputFile, string.Join('\n', Workload.Events(EventCount, KeyCount)) + "\n", new UTF8Encoding(false));

        using var data = new TempDirectory();
        await using var node = NodeProcess.Start(data.Path, FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));

        var started = DateTime.UtcNow;
        var replay = await CliProcess.RunAsync(WorkingDirectory, ["replay", "--server", node.Url, .. DeliveryOptions, InputFile]);
        CleanReplayDuration = DateTime.UtcNow - started;
        Assert.True(replay.ExitCode == 0, $"clean replay exit {replay.ExitCode}\n{replay.StdOut}\n{replay.StdErr}");
        CleanReplaySummary = replay.StdOut;
        var summary = ReplaySummaryLine.Parse(replay.StdOut);
        Assert.Equal(new ReplaySummaryLine(1, EventCount, EventCount, 0, EventCount, 0, 0, 0), summary);

        var findings = await CliProcess.RunAsync(WorkingDirectory, "findings", "--server", node.Url, "--format", "json");
        Assert.True(findings.ExitCode == 0, findings.StdErr);
        CleanFindings = findings.StdOut;
        AssertExpectedFindings(CleanFindings);
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// What the workload must produce, computed independently of the server: key k (dest
    /// WKS-{k/10}, subject svc{k%10}) gets events k, k+2000, ..., k+48000, event i at
    /// 2024-07-01 + i * 10,000,019 ticks.
    /// </summary>
    private static void AssertExpectedFindings(string json)
    {
        var lines = json.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(KeyCount, lines.Length);
        var start = new DateTime(2024, 7, 1, 0, 0, 0, DateTimeKind.Utc);
        var perKey = EventCount / KeyCount;
        var seen = new HashSet<(string, string)>();
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var dest = root.GetProperty("dest").GetString()!;
            var subject = root.GetProperty("subject").GetString()!;
            var host = int.Parse(WorkstationNumber().Match(dest).Groups[1].Value, CultureInfo.InvariantCulture);
            var cert = int.Parse(ServiceNumber().Match(subject).Groups[1].Value, CultureInfo.InvariantCulture);
            var key = (host * 10) + cert;
            Assert.True(seen.Add((dest, subject)), $"duplicate finding {dest} / {subject}");
            Assert.Equal(perKey, root.GetProperty("count").GetInt64());
            Assert.Equal(Instant(start, key), root.GetProperty("firstTime").GetString());
            Assert.Equal(Instant(start, key + ((perKey - 1) * KeyCount)), root.GetProperty("lastTime").GetString());
        }
    }

    private static string Instant(DateTime start, long eventIndex) =>
        start.AddTicks(eventIndex * 10_000_019L).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^WKS-(\d{4})\.corp\.example\.test$")]
    private static partial Regex WorkstationNumber();

    [GeneratedRegex(@"^svc(\d)\.corp\.example\.test$")]
    private static partial Regex ServiceNumber();
}

/// <summary>The CLI's replay summary line, parsed (<c>files F, events E, sent S[, R resent], accepted A (duplicates D), ignored I, rejected J</c>).</summary>
public sealed partial record ReplaySummaryLine(int Files, long Events, long Sent, long Resent, long Accepted, long Duplicates, long Ignored, long Rejected)
{
    public static ReplaySummaryLine Parse(string stdout)
    {
        var match = Pattern().Match(stdout);
        Assert.True(match.Success, $"no replay summary in:\n{stdout}");
        long Number(string group) => match.Groups[group].Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        return new ReplaySummaryLine((int)Number("files"), Number("events"), Number("sent"), Number("resent"), Number("accepted"), Number("duplicates"), Number("ignored"), Number("rejected"));
    }

    [GeneratedRegex(@"^files (?<files>\d+), events (?<events>\d+), sent (?<sent>\d+)(, (?<resent>\d+) resent)?, accepted (?<accepted>\d+) \(duplicates (?<duplicates>\d+)\), ignored (?<ignored>\d+), rejected (?<rejected>\d+)$", RegexOptions.Multiline)]
    private static partial Regex Pattern();
}
