using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>
/// The finding index stores each shard's keys in pages; every key survives a restart whatever page
/// it landed in, new keys go on after a restart, and the whole-set record of earlier versions is
/// still read.
/// </summary>
public sealed class IndexPagingTests
{
    [Fact]
    public async Task KeysOverManyPages_AreAllListed_AfterARestart_AndNewKeysFollow()
    {
        using var temp = new TempDirectory();
        var settings = SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:IndexPageSize", "2"));

        // 300 keys over 64 shards: about 5 per shard, so most shards fill two or three pages.
        await using (var node = new NodeFactory(settings))
        {
            using var channel = node.CreateChannel();
            await IngestDriver.SendAsync(channel, [IngestDriver.Batch("first", Hosts(0, 300))]);
            Assert.Equal(ExpectedHosts(0, 300), await ListedHostsAsync(channel));
        }

        await using (var restarted = new NodeFactory(settings))
        {
            using var channel = restarted.CreateChannel();
            Assert.Equal(ExpectedHosts(0, 300), await ListedHostsAsync(channel));

            await IngestDriver.SendAsync(channel, [IngestDriver.Batch("more", Hosts(300, 50))]);
            Assert.Equal(ExpectedHosts(0, 350), await ListedHostsAsync(channel));
        }
    }

    [Fact]
    public async Task PageSizeChangedBetweenRuns_OldPagesStillRead_NewKeysFollow()
    {
        using var temp = new TempDirectory();

        // Pages of up to 8 written first (as with the earlier default of 512), then a smaller size.
        await using (var node = new NodeFactory(SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:IndexPageSize", "8"))))
        {
            using var channel = node.CreateChannel();
            await IngestDriver.SendAsync(channel, [IngestDriver.Batch("first", Hosts(0, 300))]);
        }

        await using var smaller = new NodeFactory(SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:IndexPageSize", "2")));
        using var again = smaller.CreateChannel();
        Assert.Equal(ExpectedHosts(0, 300), await ListedHostsAsync(again));
        await IngestDriver.SendAsync(again, [IngestDriver.Batch("more", Hosts(300, 100))]);
        Assert.Equal(ExpectedHosts(0, 400), await ListedHostsAsync(again));
    }

    [Fact]
    public async Task WholeSetRecordOfAnEarlierVersion_IsStillRead()
    {
        using var temp = new TempDirectory();
        var settings = SqliteNodeSettings.In(temp);

        await using var node = new NodeFactory(settings);
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var storage = node.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Findings);
        var shard = grains.GetGrain<IFindingIndexGrain>(7);

        // Written before the shard's first activation, as the earlier version left it on disk.
        var old = new FindingIndexState();
        old.Keys.Add("legacy-key-a");
        old.Keys.Add("legacy-key-b");
        await storage.WriteStateAsync("index", shard.GetGrainId(), new GrainState<FindingIndexState>(old));

        await shard.Register("new-key");

        Assert.Equal(["legacy-key-a", "legacy-key-b", "new-key"], (await shard.GetKeys()).Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Hosts(int first, int count) =>
        Enumerable.Range(first, count).Select(i => new EventXml { Computer = $"WKS-PAGE-{i:D4}", RecordId = i + 1 }.Render());

    private static List<string> ExpectedHosts(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => $"WKS-PAGE-{i:D4}")];

    private static async Task<List<string>> ListedHostsAsync(Grpc.Net.Client.GrpcChannel channel) =>
        [.. (await IngestDriver.ListAllAsync(channel)).Select(finding => finding.Dest).Order(StringComparer.Ordinal)];
}
