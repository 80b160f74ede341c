using CertExportGrid.Node.Tests.Infrastructure;
using CertExportGrid.Grains.Findings;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

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

    [Fact]
    public async Task ChunksListedByNameAsEarlierVersionsWroteThem_StillLoad()
    {
        using var temp = new TempDirectory();
        var settings = SqliteNodeSettings.In(temp, ("CertExportGrid:Grains:DedupWindow", "3")); // chunks of 3
        var events = Enumerable.Range(1, 8).Select(record => new EventXml { Computer = "WKS-NAMES", RecordId = record, SystemTime = $"2024-06-05T10:00:0{record}Z" }.Render()).ToList();
        var database = temp.Combine("data", "certexportgrid.db");

        await using (var node = new NodeFactory(settings))
        {
            using var channel = node.CreateChannel();
            foreach (var (e, i) in events.Select((e, i) => (e, i)))
            {
                await IngestDriver.SendAsync(channel, [IngestDriver.Batch($"b{i}", [e])]);
            }

            var serializer = node.Services.GetRequiredService<Serializer>();

            // Rewrite the finding as the previous version stored it: chunk record names, no ids.
            // (The node is still running but idle; its next write would come only with new events.)
            var (rowId, state) = ReadFinding(database, serializer);
            Assert.NotNull(state.DedupChunkIds);
            state.DedupChunkRecords = [.. state.DedupChunkIds!.Select(DedupChunkStore.NameOf)];
            state.DedupChunkIds = null;
            WriteFinding(database, rowId, serializer.SerializeToArray(state));
        }

        await using var restarted = new NodeFactory(settings);
        using var again = restarted.CreateChannel();
        var ninth = new EventXml { Computer = "WKS-NAMES", RecordId = 9, SystemTime = "2024-06-05T10:00:09Z" }.Render();
        var ack = await IngestDriver.SendAsync(again, [IngestDriver.Batch("resend", [.. events[5..], ninth])]);
        Assert.Equal((4u, 3u), (ack[0].Accepted, ack[0].Duplicates)); // the last three are still remembered
        Assert.Equal(9ul, Assert.Single(await IngestDriver.ListAllAsync(again)).Count);

        // The write for the ninth event stored the list in the new form.
        var (_, rewritten) = ReadFinding(database, restarted.Services.GetRequiredService<Serializer>());
        Assert.Null(rewritten.DedupChunkRecords);
        Assert.NotEmpty(rewritten.DedupChunkIds!);
    }

    private static (long RowId, FindingState State) ReadFinding(string database, Serializer serializer)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT row_id, data FROM grain_state WHERE state_name = 'finding'";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetInt64(0), serializer.Deserialize<FindingState>((byte[])reader.GetValue(1))!);
    }

    private static void WriteFinding(string database, long rowId, byte[] data)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE grain_state SET data = $d WHERE row_id = $r";
        command.Parameters.AddWithValue("$d", data);
        command.Parameters.AddWithValue("$r", rowId);
        Assert.Equal(1, command.ExecuteNonQuery());
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
