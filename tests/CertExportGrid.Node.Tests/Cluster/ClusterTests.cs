using CertExportGrid.Contracts.V1;
using CertExportGrid.Grains.Findings;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Cluster;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "real cluster";
}

/// <summary>3 silos and 2 gateways as real processes on loopback, with a real Redis.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private const int Keys = 1_200;

    [Fact]
    public async Task ThreeSilosTwoGateways_KeysSpreadOverEverySilo_SubscribersOnBothGatewaysSeeEveryUpdate()
    {
        await using var cluster = await LocalCluster.UpAsync(silos: 3, gateways: 2);
        using var first = GrpcChannel.ForAddress(cluster.Gateways[0]);
        using var second = GrpcChannel.ForAddress(cluster.Gateways[1]);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var watchers = new[] { first, second }.Select(channel => WatchAsync(channel, patience.Token)).ToList();
        await Task.WhenAll(watchers.Select(watcher => watcher.Ready));

        var batches = Workload.Events(Keys * 2, Keys).Chunk(400).Select((events, i) => IngestDriver.Batch($"b{i}", events));
        var acks = await IngestDriver.SendAsync(first, batches);
        Assert.Equal(Keys * 2, acks.Sum(ack => (int)ack.Accepted));

        var findings = await IngestDriver.ListAllAsync(second);
        Assert.Equal(Keys, findings.Count);
        Assert.All(findings, finding => Assert.Equal(2ul, finding.Count));
        foreach (var watcher in watchers)
        {
            var seen = await watcher.Completion.WaitAsync(patience.Token);
            Assert.Equal(Keys, seen.Count);
            Assert.All(seen.Values, versions => Assert.Equal([1ul, 2ul], versions));
        }

        using var client = await cluster.ConnectClientAsync();
        var management = client.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var perSilo = (await management.GetSimpleGrainStatistics())
            .Where(statistic => statistic.GrainType.Contains(nameof(ExportFindingGrain), StringComparison.Ordinal))
            .GroupBy(statistic => statistic.SiloAddress)
            .ToDictionary(group => group.Key.ToString(), group => group.Sum(statistic => statistic.ActivationCount));
        output.WriteLine(string.Join(", ", perSilo.Select(pair => $"{pair.Key}: {pair.Value}")));
        Assert.Equal(3, perSilo.Count);
        Assert.All(perSilo.Values, count => Assert.InRange(count, Keys / 10, Keys));
        Assert.Equal(Keys, perSilo.Values.Sum());
        await client.StopAsync();
    }

    private sealed record Watcher(Task Ready, Task<Dictionary<(string, string), List<ulong>>> Completion);

    /// <summary>Subscribes and records every version of every key until each key reached count 2.</summary>
    private static Watcher WatchAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource();
        var completion = Task.Run(async () =>
        {
            using var call = new FindingsClient(channel).Subscribe(new SubscribeRequest { IncludeSnapshot = true }, cancellationToken: cancellationToken);
            var versions = new Dictionary<(string, string), List<ulong>>();
            var done = 0;
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (message.KindCase == SubscribeResponse.KindOneofCase.SnapshotComplete)
                {
                    ready.TrySetResult();
                    continue;
                }

                Assert.NotEqual(SubscribeResponse.KindOneofCase.Gap, message.KindCase);
                var finding = message.Finding;
                var key = (finding.Dest, finding.Subject);
                if (!versions.TryGetValue(key, out var list))
                {
                    versions[key] = list = [];
                }

                list.Add(finding.Version);
                if (finding.Count == 2 && ++done == Keys)
                {
                    break;
                }
            }

            return versions;
        }, cancellationToken);
        return new Watcher(ready.Task, completion);
    }
}
