using System.Text.RegularExpressions;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>
/// A flood for one (dest, subject) against a small per-key budget, replayed by the real CLI into a
/// real node: every event ends up counted (backpressure, not loss), and because each refused event
/// gets its own slot as the budget refills (after the slots of events refused before, also from
/// earlier batches), the collector re-sends about once per refused event, not a number of times that
/// grows with the backlog (which it did while all refused events shared one wait, and while each
/// batch's slots overlapped the previous batch's).
/// </summary>
public sealed partial class RateLimitBackpressureTests(ITestOutputHelper output)
{
    private const int Events = 200;
    private const int Burst = 5;

    [Fact]
    public async Task FloodForOneKey_AllCounted_ResentAboutOncePerRefusedEvent()
    {
        using var temp = new TempDirectory();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
            "--CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond=50", $"--CertExportGrid:Ingest:RateLimits:KeyBurst={Burst}");
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        var file = temp.Combine("flood.xml");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, Events).Select(i => new EventXml
        {
            Computer = "FLOOD-01",
            RecordId = i,
            SystemTime = $"2024-06-01T10:{i / 60:D2}:{i % 60:D2}.0000000Z",
        }.Render()));

        // Four batches: each batch's refused events are booked after those of the batches before.
        var (exit, stdout, stderr) = await CliProcess.RunAsync(temp.Path, "replay", "-q", "--batch-size", "50", "--server", node.Url, file);
        output.WriteLine(stdout + stderr);

        Assert.Equal(0, exit);
        var summary = Summary().Match(stdout);
        Assert.True(summary.Success, stdout);
        var (sent, resent, accepted) = (int.Parse(summary.Groups["sent"].Value), int.Parse(summary.Groups["resent"].Value), int.Parse(summary.Groups["accepted"].Value));
        Assert.Equal((Events, Events), (sent, accepted));
        // At least every event beyond the burst was refused once; re-sends beyond that are slots missed.
        Assert.InRange(resent, Events - Burst - 10, Events + (Events / 2));
        using var channel = GrpcChannel.ForAddress(node.Url);
        var finding = Assert.Single(await IngestDriver.ListAllAsync(channel));
        Assert.Equal(("FLOOD-01", (ulong)Events), (finding.Dest, finding.Count));
    }

    [GeneratedRegex(@"sent (?<sent>\d+), (?<resent>\d+) resent, accepted (?<accepted>\d+)")]
    private static partial Regex Summary();
}
