using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>The ingest call's contract beyond the conformance cases: acks, limits, pre-parsed events.</summary>
public sealed class IngestTests() : NodeTestBase(new Dictionary<string, string?> { ["CertExportGrid:Ingest:MaxEventsPerBatch"] = "50" })
{
    [Fact]
    public async Task StreamEvents_ManyBatches_OneAckPerBatchInOrder()
    {
        var batches = Enumerable.Range(0, 20).Select(b => IngestDriver.Batch($"batch-{b}",
            Enumerable.Range(0, 10).Select(i => new EventXml { RecordId = (b * 10) + i + 1, SubjectNames = [$"CN=k{i}"] }.Render())));

        var acks = await IngestDriver.SendAsync(Channel, batches);

        Assert.Equal(Enumerable.Range(0, 20).Select(b => $"batch-{b}"), acks.Select(ack => ack.BatchId));
        Assert.All(acks, ack => Assert.Equal((10u, 0u, 0u, 0), (ack.Accepted, ack.Duplicates, ack.Ignored, ack.Rejected.Count)));
        var findings = await IngestDriver.ListAllAsync(Channel);
        Assert.Equal(10, findings.Count);
        Assert.All(findings, finding => Assert.Equal(20ul, finding.Count));
    }

    [Fact]
    public async Task StreamEvents_ResentBatch_AckedAsDuplicatesAndCountedOnce()
    {
        var batch = IngestDriver.Batch("once", Enumerable.Range(1, 5).Select(i => new EventXml { Computer = "WKS-DUP", RecordId = i }.Render()));

        var first = await IngestDriver.SendAsync(Channel, [batch]);
        var again = await IngestDriver.SendAsync(Channel, [batch]);

        Assert.Equal((5u, 0u), (first[0].Accepted, first[0].Duplicates));
        Assert.Equal((5u, 5u), (again[0].Accepted, again[0].Duplicates));
        var filter = new FindingFilter();
        filter.Dests.Add("WKS-DUP");
        Assert.Equal(5ul, Assert.Single(await IngestDriver.ListAllAsync(Channel, filter)).Count);
    }

    [Fact]
    public async Task StreamEvents_BatchOverLimit_FailsWithInvalidArgumentNamingTheLimit()
    {
        var tooBig = IngestDriver.Batch("big", Enumerable.Range(1, 51).Select(i => new EventXml { RecordId = i }.Render()));

        var error = await Assert.ThrowsAsync<RpcException>(() => IngestDriver.SendAsync(Channel, [tooBig]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limit is 50", error.Status.Detail, StringComparison.Ordinal);
        // The service keeps serving.
        var ok = await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("small", [new EventXml().Render()])]);
        Assert.Equal(1u, ok[0].Accepted);
    }

    [Fact]
    public async Task StreamEvents_ParsedEvent_CountsLikeRawXml()
    {
        var parsed = new ParsedEvent
        {
            Computer = "WKS-PARSED",
            Channel = "microsoft-windows-certificateservicesclient-lifecycle-user/operational",
            EventId = 1007,
            RecordId = 77,
            TimeCreated = Timestamp.FromDateTime(new DateTime(2024, 6, 4, 1, 2, 3, DateTimeKind.Utc).AddTicks(4567891)),
            UserDataXml = "<CertNotificationData/>",
            ProcessName = "certutil.exe",
        };
        parsed.SubjectNames.Add("CN=first");
        parsed.SubjectNames.Add("user@corp.example.test");
        var batch = new EventBatch { BatchId = "parsed" };
        batch.Events.Add(new Event { Parsed = parsed });

        var ack = (await IngestDriver.SendAsync(Channel, [batch]))[0];

        Assert.Equal(1u, ack.Accepted);
        var finding = Assert.Single(await IngestDriver.ListAllAsync(Channel, Filter("WKS-PARSED")));
        Assert.Equal(("user@corp.example.test", 1ul), (finding.Subject, finding.Count));
        Assert.Equal(new DateTime(2024, 6, 4, 1, 2, 3, DateTimeKind.Utc).AddTicks(4567891), finding.FirstTime.ToDateTime());
    }

    [Fact]
    public async Task StreamEvents_ParsedEventMissingTime_RejectedWithMissingField()
    {
        var batch = new EventBatch { BatchId = "bad" };
        batch.Events.Add(new Event { Parsed = new ParsedEvent { Computer = "WKS-X", Channel = "c", EventId = 1007, UserDataXml = "<x/>" } });
        batch.Events.Add(new Event());

        var ack = (await IngestDriver.SendAsync(Channel, [batch]))[0];

        Assert.Equal(2, ack.Rejected.Count);
        Assert.Equal((0u, RejectReason.MissingField), (ack.Rejected[0].Index, ack.Rejected[0].Reason));
        Assert.Contains("time_created", ack.Rejected[0].Message, StringComparison.Ordinal);
        Assert.Equal((1u, RejectReason.NotAnEvent), (ack.Rejected[1].Index, ack.Rejected[1].Reason));
    }

    [Fact]
    public async Task StreamEvents_InvalidUtf8_RejectedWithInvalidEncoding()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(new EventXml { Computer = "WKS-ENC" }.Render());
        var broken = bytes.Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var batch = new EventBatch { BatchId = "enc" };
        batch.Events.Add(new Event { XmlUtf8 = ByteString.CopyFrom(broken) });

        var ack = (await IngestDriver.SendAsync(Channel, [batch]))[0];

        Assert.Equal(RejectReason.InvalidEncoding, Assert.Single(ack.Rejected).Reason);
    }

    private static FindingFilter Filter(string dest)
    {
        var filter = new FindingFilter();
        filter.Dests.Add(dest);
        return filter;
    }
}
