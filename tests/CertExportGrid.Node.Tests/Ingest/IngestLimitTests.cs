using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using IngestClient = CertExportGrid.Contracts.V1.Ingest.IngestClient;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>Each ingest limit answers with its specific status, and the service keeps serving others.</summary>
public sealed class IngestLimitTests() : NodeTestBase(new Dictionary<string, string?>
{
    ["CertExportGrid:Ingest:MaxConcurrentStreams"] = "2",
    ["CertExportGrid:Ingest:MaxMessageBytes"] = "8192",
})
{
    [Fact]
    public async Task ThirdConcurrentStream_RefusedUnavailableWithRetryAfter_OthersKeepWorking()
    {
        var client = new IngestClient(Channel);
        using var first = client.StreamEvents();
        using var second = client.StreamEvents();
        // A stream is admitted once its first batch is acknowledged.
        Assert.Equal(1u, (await IngestDriver.RoundTripAsync(first, "a", [new EventXml { RecordId = 1 }])).Accepted);
        Assert.Equal(1u, (await IngestDriver.RoundTripAsync(second, "b", [new EventXml { RecordId = 2 }])).Accepted);

        using var third = client.StreamEvents();
        var refused = await Assert.ThrowsAsync<RpcException>(() => IngestDriver.RoundTripAsync(third, "c", [new EventXml { RecordId = 3 }]));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("MaxConcurrentStreams", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1000", refused.Trailers.GetValue("retry-after-ms"));
        Assert.Equal(1u, (await IngestDriver.RoundTripAsync(first, "a2", [new EventXml { RecordId = 4 }])).Accepted);

        await first.RequestStream.CompleteAsync();
        Assert.False(await first.ResponseStream.MoveNext(CancellationToken.None));
        using var fourth = client.StreamEvents();
        Assert.Equal(1u, (await IngestDriver.RoundTripAsync(fourth, "d", [new EventXml { RecordId = 5 }])).Accepted);
    }

    [Fact]
    public async Task MessageOverSizeLimit_ResourceExhausted_ServiceKeepsServing()
    {
        var huge = IngestDriver.Batch("huge", Enumerable.Range(1, 10).Select(i => new EventXml { RecordId = i }.Render()));

        var error = await Assert.ThrowsAsync<RpcException>(() => IngestDriver.SendAsync(Channel, [huge]));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var small = await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("small", [new EventXml { RecordId = 99 }.Render()])]);
        Assert.Equal(1u, small[0].Accepted);
    }
}
