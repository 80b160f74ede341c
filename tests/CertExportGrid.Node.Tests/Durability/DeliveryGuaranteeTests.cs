using System.Diagnostics;
using System.Text.Json;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>
/// The delivery guarantees end to end, with real processes: a server SIGKILLed in the middle of a
/// replay and started again on the same data, and a collector SIGKILLed in the middle of a replay and
/// started again with its checkpoint, both end with exactly the findings of an uninterrupted run.
/// </summary>
public sealed class DeliveryGuaranteeTests(ReplayCleanRunFixture clean, ITestOutputHelper log) : IClassFixture<ReplayCleanRunFixture>
{
    /// <summary>The workload's first workstation: its 10 keys get one event in every 200 lines of the file.</summary>
    private const string ProbeDest = "WKS-0000.corp.example.test";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The killed server runs with a de-duplication window of 8 (chunks of 8), so with 25 events per
    /// key its windows seal, store and drop chunk records throughout the replay and the kill lands
    /// among them. Re-sent events are the collector's unacknowledged batches (at most 1,000 events
    /// over 2,000 keys), well inside 8 per key, so exactly-once still holds.
    /// </summary>
    private static readonly string[] SmallWindow = ["--CertExportGrid:Grains:DedupWindow=8"];

    [Fact]
    public async Task ServerKilledDuringReplay_RestartedCollectorFinishes_FindingsEqualCleanRun()
    {
        using var temp = new TempDirectory();
        var data = temp.Combine("data");
        var (httpPort, siloPort, gatewayPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        var clock = Stopwatch.StartNew();

        await using var first = NodeProcess.Start(data, httpPort, siloPort, gatewayPort, SmallWindow);
        await first.WaitUntilServingAsync(StartTimeout);

        // Generous reconnect budget: up to 200 attempts, at most 500 ms apart, outlasts any restart here.
        await using var cli = CliBackgroundProcess.Start(
            temp.Path,
            ["replay", "--server", first.Url, .. ReplayCleanRunFixture.DeliveryOptions, "--max-attempts", "200", "--max-backoff", "500ms", clean.InputFile]);

        // Kill once the server has durably applied a good part of the file (about 8,000 of 50,000 events).
        long probed = 0;
        using (var channel = GrpcChannel.ForAddress(first.Url))
        {
            await Eventually.TrueAsync(
                async () => cli.HasExited || (probed = await CountAsync(channel, ProbeDest)) >= 40,
                TimeSpan.FromSeconds(60),
                () => $"{probed} events counted for {ProbeDest}\nserver:\n{first.Output}\nCLI stderr:\n{cli.StdErr}");
        }

        Assert.False(cli.HasExited, $"replay ended before the server was killed:\n{cli.StdOut}\n{cli.StdErr}");
        await first.KillAsync();
        var killedAt = clock.Elapsed;
        Assert.InRange(probed, 40, 249);

        // The collector notices: the stream breaks (attempt 2), then a reconnect to the dead port fails (attempt 3).
        await cli.WaitForStdErrAsync(e => e.Contains("reconnecting in", StringComparison.Ordinal) && e.Contains("(attempt 3 of 200)", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the CLI did not retry against the dead server");
        Assert.False(cli.HasExited, $"the CLI gave up while the server was down:\n{cli.StdOut}\n{cli.StdErr}");

        await using var second = NodeProcess.Start(data, httpPort, siloPort, gatewayPort, SmallWindow);
        await second.WaitUntilServingAsync(StartTimeout);
        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, $"replay exit {exit}\n{cli.StdOut}\n{cli.StdErr}\nserver:\n{second.Output}");

        var summary = ReplaySummaryLine.Parse(cli.StdOut);
        log.WriteLine($"killed after {probed}/250 probe events at {killedAt.TotalSeconds:0.0} s; {summary}; total {clock.Elapsed.TotalSeconds:0.0} s (clean replay took {clean.CleanReplayDuration.TotalSeconds:0.0} s)");
        Assert.Equal(1, summary.Files);
        Assert.Equal(ReplayCleanRunFixture.EventCount, summary.Events);
        Assert.Equal(ReplayCleanRunFixture.EventCount, summary.Sent);
        Assert.True(summary.Resent > 0, $"nothing was re-sent, so the kill did not overlap the replay: {summary}");
        Assert.Equal(ReplayCleanRunFixture.EventCount, summary.Accepted);
        Assert.Equal(0, summary.Ignored);
        Assert.Equal(0, summary.Rejected);

        var findings = await CliProcess.RunAsync(temp.Path, "findings", "--server", second.Url, "--format", "json");
        Assert.True(findings.ExitCode == 0, findings.StdErr);
        AssertSameFindings(clean.CleanFindings, findings.StdOut);
    }

    [Fact]
    public async Task CollectorKilledMidReplay_RestartedWithCheckpoint_FindingsEqualCleanRun()
    {
        using var temp = new TempDirectory();
        var checkpoint = temp.Combine("replay.checkpoint.json");
        var clock = Stopwatch.StartNew();

        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        await node.WaitUntilServingAsync(StartTimeout);
        string[] replay = ["replay", "--server", node.Url, .. ReplayCleanRunFixture.DeliveryOptions, "--checkpoint", checkpoint, clean.InputFile];

        await using (var cli = CliBackgroundProcess.Start(temp.Path, replay))
        {
            // Kill once the checkpoint (written only after acks) confirms a good part of the file.
            await Eventually.TrueAsync(
                () => Task.FromResult(cli.HasExited || ConfirmedLine(checkpoint, clean.InputFile) >= 5_000),
                TimeSpan.FromSeconds(60),
                () => $"checkpoint at line {ConfirmedLine(checkpoint, clean.InputFile)}\nCLI stderr:\n{cli.StdErr}");
            Assert.False(cli.HasExited, $"replay ended before it could be killed:\n{cli.StdOut}\n{cli.StdErr}");
            await cli.KillAsync();
            Assert.Equal("", cli.StdOut); // killed: no summary was printed
        }

        var killedAt = clock.Elapsed;
        var confirmed = ConfirmedLine(checkpoint, clean.InputFile);
        Assert.InRange(confirmed, 5_000, ReplayCleanRunFixture.EventCount - 1);

        var resumed = await CliProcess.RunAsync(temp.Path, replay);
        Assert.True(resumed.ExitCode == 0, $"resumed replay exit {resumed.ExitCode}\n{resumed.StdOut}\n{resumed.StdErr}");
        Assert.Contains($"resuming {clean.InputFile} at line {confirmed + 1} (lines 1-{confirmed} were answered before)", resumed.StdErr, StringComparison.Ordinal);

        var summary = ReplaySummaryLine.Parse(resumed.StdOut);
        log.WriteLine($"killed at checkpoint line {confirmed} at {killedAt.TotalSeconds:0.0} s; resumed: {summary}; total {clock.Elapsed.TotalSeconds:0.0} s (clean replay took {clean.CleanReplayDuration.TotalSeconds:0.0} s)");
        var remaining = ReplayCleanRunFixture.EventCount - confirmed;
        Assert.Equal(1, summary.Files);
        Assert.Equal(remaining, summary.Events);
        Assert.Equal(remaining, summary.Sent);
        Assert.Equal(0, summary.Resent);
        Assert.Equal(remaining, summary.Accepted);
        Assert.Equal(0, summary.Ignored);
        Assert.Equal(0, summary.Rejected);
        Assert.Equal(ReplayCleanRunFixture.EventCount, ConfirmedLine(checkpoint, clean.InputFile));

        var findings = await CliProcess.RunAsync(temp.Path, "findings", "--server", node.Url, "--format", "json");
        Assert.True(findings.ExitCode == 0, findings.StdErr);
        AssertSameFindings(clean.CleanFindings, findings.StdOut);
    }

    /// <summary>Byte-for-byte equality, reported as the first differing finding rather than two 2,000-line blobs.</summary>
    private static void AssertSameFindings(string expected, string actual)
    {
        var want = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var got = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(ReplayCleanRunFixture.KeyCount, got.Length);
        for (var i = 0; i < want.Length; i++)
        {
            Assert.True(want[i] == got[i], $"finding {i + 1} differs from the clean run:\nclean: {want[i]}\nfault: {got[i]}");
        }

        Assert.Equal(expected, actual);
    }

    /// <summary>Total count over one dest's findings; 0 while the server cannot answer.</summary>
    private static async Task<long> CountAsync(GrpcChannel channel, string dest)
    {
        try
        {
            var filter = new FindingFilter { Dests = { dest } };
            return (await IngestDriver.ListAllAsync(channel, filter)).Sum(finding => (long)finding.Count);
        }
        catch (RpcException)
        {
            return 0;
        }
    }

    /// <summary>The line up to which the checkpoint says every event of <paramref name="file"/> was answered (0: none yet).</summary>
    private static long ConfirmedLine(string checkpoint, string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(checkpoint));
            foreach (var entry in doc.RootElement.GetProperty("files").EnumerateArray())
            {
                if (entry.GetProperty("path").GetString() == Path.GetFullPath(file))
                {
                    return entry.GetProperty("line").GetInt64();
                }
            }

            return 0;
        }
        catch (Exception exception) when (exception is FileNotFoundException or IOException or JsonException)
        {
            return 0;
        }
    }
}
