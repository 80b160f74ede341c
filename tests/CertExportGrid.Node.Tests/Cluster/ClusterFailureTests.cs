extern alias cli;

using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Net.Client;
using Xunit.Abstractions;
using ReplayClient = cli::CertExportGrid.Cli.Replay.ReplayClient;
using ReplayOptions = cli::CertExportGrid.Cli.Replay.ReplayOptions;

namespace CertExportGrid.Node.Tests.Cluster;

/// <summary>Processes of a real cluster killed with SIGKILL during ingest; the final findings stay exact.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterFailureTests(ITestOutputHelper output)
{
    private const int Keys = 1_000;
    private const int Events = 20_000;

    [Fact]
    public async Task SiloKilledDuringIngest_GrainsComeBackElsewhere_CollectorRetriesComplete_FindingsExact()
    {
        await using var cluster = await LocalCluster.UpAsync(silos: 3, gateways: 1);
        using var temp = new TempDirectory();
        var file = WriteWorkload(temp);
        using var channel = GrpcChannel.ForAddress(cluster.Gateways[0]);
        var replay = new ReplayClient(channel).ReplayAsync([file], new ReplayOptions { BatchSize = 250, MaxRetries = 30 });

        await WaitForProgressAsync(channel, minimumFindings: 200);
        cluster.Kill("silo2");
        var summary = await replay.WaitAsync(TimeSpan.FromMinutes(4));
        output.WriteLine($"accepted {summary.Accepted}, duplicates {summary.Duplicates}, resent {summary.Resent}");

        Assert.Empty(summary.Rejected);
        await AssertExactAsync(channel);
    }

    [Fact]
    public async Task GatewayKilledDuringIngest_CollectorFinishesThroughTheOther_FindingsExact()
    {
        await using var cluster = await LocalCluster.UpAsync(silos: 2, gateways: 2);
        using var temp = new TempDirectory();
        var file = WriteWorkload(temp);
        using var first = GrpcChannel.ForAddress(cluster.Gateways[0]);
        using var second = GrpcChannel.ForAddress(cluster.Gateways[1]);

        var cliDll = Path.Combine(AppContext.BaseDirectory, "certexportgrid.dll");
        using var collector = NodeProcess.StartDotnet(cliDll, ["replay", "--quiet", "--server", $"{cluster.Gateways[0]},{cluster.Gateways[1]}", "--batch-size", "250", file], temp.Path);
        var stdout = collector.StandardOutput.ReadToEndAsync();
        var stderr = collector.StandardError.ReadToEndAsync();

        await WaitForProgressAsync(second, minimumFindings: 200);
        cluster.Kill("gateway1");
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await collector.WaitForExitAsync(patience.Token);
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);

        Assert.Equal(0, collector.ExitCode);
        await AssertExactAsync(second);
    }

    private static string WriteWorkload(TempDirectory temp)
    {
        var file = temp.Combine("events.xml");
        File.WriteAllLines(file, Workload.Events(Events, Keys));
        return file;
    }

    private static async Task WaitForProgressAsync(GrpcChannel channel, int minimumFindings)
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while ((await IngestDriver.ListAllAsync(channel)).Count < minimumFindings)
        {
            await Task.Delay(100, patience.Token);
        }
    }

    /// <summary>Every key: Events/Keys exports, first and last times as the workload generated them.</summary>
    private static async Task AssertExactAsync(GrpcChannel channel)
    {
        var findings = await IngestDriver.ListAllAsync(channel);
        Assert.Equal(Keys, findings.Count);
        Assert.All(findings, finding => Assert.Equal((ulong)(Events / Keys), finding.Count));
        Assert.Equal(Events, findings.Sum(finding => (long)finding.Count));
        var expectedTimes = Workload.Events(Events, Keys)
            .Select((xml, i) => (Key: i % Keys, Ticks: Workload.Start.AddTicks(i * Workload.TickStep).Ticks))
            .GroupBy(e => e.Key)
            .Select(g => (First: g.Min(e => e.Ticks), Last: g.Max(e => e.Ticks)))
            .OrderBy(t => t.First)
            .ToList();
        var actualTimes = findings.Select(f => (First: f.FirstTime.ToDateTime().Ticks, Last: f.LastTime.ToDateTime().Ticks)).OrderBy(t => t.First).ToList();
        Assert.Equal(expectedTimes, actualTimes);
    }
}
