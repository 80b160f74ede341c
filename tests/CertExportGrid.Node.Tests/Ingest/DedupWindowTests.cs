using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>The de-duplication window holds exactly the last DedupWindow distinct events of a key.</summary>
public sealed class DedupWindowTests() : NodeTestBase(new Dictionary<string, string?> { ["CertExportGrid:Grains:DedupWindow"] = "3" })
{
    [Fact]
    public async Task Resend_WithinWindowCountsOnce_BeyondWindowCountsAgain()
    {
        var events = Enumerable.Range(1, 4).Select(record => new EventXml { RecordId = record, SystemTime = $"2024-06-05T10:00:0{record}Z" }.Render()).ToList();
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("first", events)]);

        // Records 2-4 are the last three remembered; record 1 was evicted.
        var recent = await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("recent", events[1..])]);
        Assert.Equal((3u, 3u), (recent[0].Accepted, recent[0].Duplicates));
        var oldest = await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("oldest", [events[0]])]);
        Assert.Equal((1u, 0u), (oldest[0].Accepted, oldest[0].Duplicates));

        Assert.Equal(5ul, Assert.Single(await IngestDriver.ListAllAsync(Channel)).Count);
    }

    [Fact]
    public async Task SameRecordIdAnotherTime_IsANewEvent()
    {
        var first = new EventXml { RecordId = 7, SystemTime = "2024-06-05T10:00:00Z" };
        var afterLogCleared = first with { SystemTime = "2024-06-06T10:00:00Z" };

        var acks = await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("a", [first.Render()]), IngestDriver.Batch("b", [afterLogCleared.Render()])]);

        Assert.All(acks, ack => Assert.Equal((1u, 0u), (ack.Accepted, ack.Duplicates)));
        Assert.Equal(2ul, Assert.Single(await IngestDriver.ListAllAsync(Channel)).Count);
    }
}
