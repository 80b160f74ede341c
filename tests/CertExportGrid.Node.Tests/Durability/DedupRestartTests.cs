using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>The de-duplication window is persisted with the finding: exactly the last N survive a restart.</summary>
public sealed class DedupRestartTests
{
    [Fact]
    public async Task RestartOnSameData_WindowStillHoldsExactlyTheLastN()
    {
        using var temp = new TempDirectory();
        var settings = SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:DedupWindow", "3"));
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

    [Fact]
    public async Task SealedChunksAreRecordsOfTheirOwn_AndEvictedOnesAreDeleted()
    {
        using var temp = new TempDirectory();
        var settings = SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:DedupWindow", "3")); // chunks of 3

        // 20 events of one key in 20 batches: 6 chunks sealed over time, all but the last one or
        // two evicted again.
        await using (var node = new NodeFactory(settings))
        {
            using var channel = node.CreateChannel();
            for (var record = 1; record <= 20; record++)
            {
                var e = new EventXml { Computer = "WKS-CHUNKS", RecordId = record, SystemTime = $"2024-06-05T10:00:{record:D2}Z" }.Render();
                await IngestDriver.SendAsync(channel, [IngestDriver.Batch($"b{record}", [e])]);
            }
        }

        Assert.InRange(CountRows(temp.Combine("data", "certexportgrid.db"), "dedup-%"), 1, 2);

        // And what they hold is the window: the last three are duplicates after a restart.
        await using var restarted = new NodeFactory(settings);
        using var again = restarted.CreateChannel();
        var lastThree = Enumerable.Range(18, 3).Select(record => new EventXml { Computer = "WKS-CHUNKS", RecordId = record, SystemTime = $"2024-06-05T10:00:{record:D2}Z" }.Render());
        var ack = await IngestDriver.SendAsync(again, [IngestDriver.Batch("resend", lastThree)]);
        Assert.Equal((3u, 3u), (ack[0].Accepted, ack[0].Duplicates));
        Assert.Equal(20ul, Assert.Single(await IngestDriver.ListAllAsync(again)).Count);
    }

    private static long CountRows(string database, string statePattern)
    {
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM grain_state WHERE state_name LIKE $p";
        command.Parameters.AddWithValue("$p", statePattern);
        return (long)command.ExecuteScalar()!;
    }
}
