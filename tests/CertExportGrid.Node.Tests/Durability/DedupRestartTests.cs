using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>The de-duplication window is persisted with the finding: exactly the last N survive a restart.</summary>
public sealed class DedupRestartTests
{
    [Fact]
    public async Task RestartOnSameData_WindowStillHoldsExactlyTheLastN()
    {
        using var temp = new TempDirectory();
        var settings = new Dictionary<string, string?>
        {
            ["CertExportGrid:Storage"] = "Sqlite",
            ["CertExportGrid:DataDirectory"] = temp.Combine("data"),
            ["CertExportGrid:Grains:DedupWindow"] = "3",
        };
        var events = Enumerable.Range(1, 4).Select(record => new EventXml { Computer = "WKS-RESTART", RecordId = record, SystemTime = $"2024-06-05T10:00:0{record}Z" }.Render()).ToList();

        await using (var node = new NodeFactory(settings))
        {
            using var channel = node.CreateChannel();
            var first = await IngestDriver.SendAsync(channel, [IngestDriver.Batch("first", events)]);
            Assert.Equal((4u, 0u), (first[0].Accepted, first[0].Duplicates));
        }

        await using (var restarted = new NodeFactory(settings))
        {
            using var channel = restarted.CreateChannel();
            var recent = await IngestDriver.SendAsync(channel, [IngestDriver.Batch("recent", events[1..])]);
            Assert.Equal((3u, 3u), (recent[0].Accepted, recent[0].Duplicates));
            var oldest = await IngestDriver.SendAsync(channel, [IngestDriver.Batch("oldest", [events[0]])]);
            Assert.Equal((1u, 0u), (oldest[0].Accepted, oldest[0].Duplicates));
            Assert.Equal(5ul, Assert.Single(await IngestDriver.ListAllAsync(channel)).Count);
        }
    }
}
