using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>A collector speaks only for its hosts; findings record which collectors sent their events.</summary>
public sealed class HostBindingTests : IAsyncLifetime
{
    private readonly TestKey _branch = TestKey.Create("collector-branch", ["ingest"], "WKS-0*.corp.example.test", "srv-01");
    private readonly TestKey _central = TestKey.Create("collector-central", ["ingest"]);
    private readonly TestKey _reader = TestKey.Create("soc-tool", ["read"]);
    private NodeFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new NodeFactory(SecurityTestSupport.WithKeys([_branch, _central, _reader]));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Ingest_EventForAnotherHost_RejectedPermissionDeniedHost_OthersApplied()
    {
        using var branch = _factory.CreateChannel(_branch.Secret);
        var events = new[]
        {
            new EventXml { Computer = "WKS-001.corp.example.test", RecordId = 1 },
            new EventXml { Computer = "DC-01.corp.example.test", RecordId = 2 },
            new EventXml { Computer = "SRV-01", RecordId = 3 },
            new EventXml { Computer = "wks-002.CORP.example.test", RecordId = 4 },
            new EventXml { Computer = "WKS-001.corp.example.test.evil", RecordId = 5 },
        };

        var ack = await IngestDriver.SendBatchAsync(branch, "b", events);

        Assert.Equal(3u, ack.Accepted);
        Assert.Equal([1u, 4u], ack.Rejected.Select(r => r.Index));
        Assert.All(ack.Rejected, r =>
        {
            Assert.Equal(RejectReason.PermissionDeniedHost, r.Reason);
            Assert.False(r.Retryable);
            Assert.Contains("collector-branch", r.Message, StringComparison.Ordinal);
        });
        using var reader = _factory.CreateChannel(_reader.Secret);
        var dests = (await IngestDriver.ListAllAsync(reader)).Select(f => f.Dest).Order(StringComparer.Ordinal);
        Assert.Equal(["SRV-01", "WKS-001.corp.example.test", "wks-002.CORP.example.test"], dests);
    }

    [Fact]
    public async Task Finding_RecordsDistinctCollectorsAndTheLastOne()
    {
        using var branch = _factory.CreateChannel(_branch.Secret);
        using var central = _factory.CreateChannel(_central.Secret);
        var first = new EventXml { Computer = "WKS-007.corp.example.test", RecordId = 10 };

        await IngestDriver.SendAsync(branch, [IngestDriver.Batch("1", [first.Render()])]);
        await IngestDriver.SendAsync(central, [IngestDriver.Batch("2", [(first with { RecordId = 11 }).Render()])]);
        await IngestDriver.SendAsync(branch, [IngestDriver.Batch("3", [(first with { RecordId = 12 }).Render()])]);
        // A re-send counts nothing, so it changes no provenance either.
        await IngestDriver.SendAsync(central, [IngestDriver.Batch("4", [(first with { RecordId = 12 }).Render()])]);

        using var reader = _factory.CreateChannel(_reader.Secret);
        var finding = Assert.Single(await IngestDriver.ListAllAsync(reader));
        Assert.Equal(3ul, finding.Count);
        Assert.Equal(["collector-central", "collector-branch"], finding.Collectors);
        Assert.Equal("collector-branch", finding.LastCollector);
    }
}
