using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>ListFindings and GetFinding over real gRPC against the co-hosted silo.</summary>
public sealed class FindingsApiTests() : NodeTestBase()
{
    [Fact]
    public async Task GetFinding_TwoUserDataVariants_ReturnsOneSplunkRowEach()
    {
        var powershell = new EventXml { RecordId = 1, SystemTime = "2024-06-01T10:00:00.5000000Z", ProcessName = "powershell.exe" };
        var certutil = powershell with { RecordId = 2, SystemTime = "2024-06-01T11:30:00Z", ProcessName = "certutil.exe" };
        var again = powershell with { RecordId = 3, SystemTime = "2024-06-01T12:00:00Z" };
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", [powershell.Render(), certutil.Render(), again.Render()])]);

        var reply = await new FindingsClient(Channel).GetFindingAsync(new GetFindingRequest { Dest = powershell.Computer, Subject = powershell.SubjectNames[^1] });

        Assert.Equal(3ul, reply.Finding.Count);
        Assert.Equal("2024-06-01T10:00:00", reply.Finding.FirstTimeSplunk);
        Assert.Equal("2024-06-01T12:00:00", reply.Finding.LastTimeSplunk);
        var rows = reply.Rows.OrderBy(row => row.FirstTime, StringComparer.Ordinal).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal((2ul, "2024-06-01T10:00:00", "2024-06-01T12:00:00"), (rows[0].Count, rows[0].FirstTime, rows[0].LastTime));
        Assert.Equal((1ul, "2024-06-01T11:30:00", "2024-06-01T11:30:00"), (rows[1].Count, rows[1].FirstTime, rows[1].LastTime));
        Assert.All(rows, row => Assert.Equal((powershell.Computer, powershell.SubjectNames[^1]), (row.Dest, row.SubjectName)));
        Assert.StartsWith("<CertNotificationData><ProcessName>powershell.exe</ProcessName>", rows[0].UserDataXml, StringComparison.Ordinal);
        Assert.StartsWith("<CertNotificationData><ProcessName>certutil.exe</ProcessName>", rows[1].UserDataXml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetFinding_CarriesRuleMetadataAndLastExportDetails()
    {
        var first = new EventXml { RecordId = 7, SystemTime = "2024-06-02T08:00:00Z", SubjectNames = ["CN=vpn, O=X", "vpn.corp.example.test"] };
        var later = first with { RecordId = 8, SystemTime = "2024-06-02T09:00:00Z", ProcessName = "certutil.exe" };
        // Arrival order is the reverse of event time: the last export is still the 09:00 one.
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b1", [later.Render()]), IngestDriver.Batch("b2", [first.Render()])]);

        var finding = (await new FindingsClient(Channel).GetFindingAsync(new GetFindingRequest { Dest = first.Computer, Subject = "vpn.corp.example.test" })).Finding;

        Assert.Equal("d8ddfa9b-b724-4df9-9dbe-f34cc0936714", finding.Rule.Id);
        Assert.Equal(20u, finding.Rule.RiskScore);
        Assert.Equal(["T1552.004", "T1649"], finding.Rule.MitreAttackIds.Order(StringComparer.Ordinal));
        Assert.Equal($"An certificate was exported on {first.Computer} from the Windows Certificate Store.", finding.RiskMessage);
        Assert.Equal(["CN=vpn, O=X", "vpn.corp.example.test"], finding.SubjectNames);
        Assert.Equal(("certutil.exe", 8ul), (finding.LastExport.ProcessName, finding.LastExport.RecordId));
        Assert.Equal(2ul, finding.Version);
    }

    [Fact]
    public async Task LastExport_WithinOneBatch_IsGreatestEventTime_TiesGoToTheLaterEvent()
    {
        var key = new EventXml { Computer = "WKS-LAST.corp.example.test", SubjectNames = ["CN=last-export"] };
        // One batch, so one grain call: 11:00 (a), a late 10:00 (b), 11:00 again (c), a late 09:00 (d).
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b1",
        [
            (key with { RecordId = 1, SystemTime = "2024-06-03T11:00:00Z", ProcessName = "a.exe" }).Render(),
            (key with { RecordId = 2, SystemTime = "2024-06-03T10:00:00Z", ProcessName = "b.exe" }).Render(),
            (key with { RecordId = 3, SystemTime = "2024-06-03T11:00:00Z", ProcessName = "c.exe" }).Render(),
            (key with { RecordId = 4, SystemTime = "2024-06-03T09:00:00Z", ProcessName = "d.exe" }).Render(),
        ])]);
        var client = new FindingsClient(Channel);
        var request = new GetFindingRequest { Dest = key.Computer, Subject = "CN=last-export" };
        var first = (await client.GetFindingAsync(request)).Finding;
        Assert.Equal(("c.exe", 3ul), (first.LastExport.ProcessName, first.LastExport.RecordId));

        // A later call whose newest event is older than the recorded one leaves it; an equal time replaces it.
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b2", [(key with { RecordId = 5, SystemTime = "2024-06-03T10:30:00Z", ProcessName = "e.exe" }).Render()])]);
        Assert.Equal("c.exe", (await client.GetFindingAsync(request)).Finding.LastExport.ProcessName);
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b3", [(key with { RecordId = 6, SystemTime = "2024-06-03T11:00:00Z", ProcessName = "f.exe" }).Render()])]);
        var finding = (await client.GetFindingAsync(request)).Finding;
        Assert.Equal(("f.exe", 6ul, 6ul), (finding.LastExport.ProcessName, finding.LastExport.RecordId, finding.Count));
    }

    [Fact]
    public async Task GetFinding_Unknown_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new FindingsClient(Channel).GetFindingAsync(new GetFindingRequest { Dest = "nobody", Subject = "nothing" }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task GetFinding_EmptyDest_IsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new FindingsClient(Channel).GetFindingAsync(new GetFindingRequest { Subject = "CN=x" }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task ListFindings_PagesInOrdinalOrderWithoutLossOrRepeat()
    {
        var events = Enumerable.Range(0, 25).Select(i => new EventXml { Computer = $"HOST-{i % 5}", SubjectNames = [$"CN=cert-{i:D2}"], RecordId = i + 1 }.Render());
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", events)]);

        var paged = await IngestDriver.ListAllAsync(Channel, pageSize: 10);

        Assert.Equal(25, paged.Count);
        var keys = paged.Select(finding => (finding.Dest, finding.Subject)).ToList();
        Assert.Equal(keys.OrderBy(key => key.Dest, StringComparer.Ordinal).ThenBy(key => key.Subject, StringComparer.Ordinal), keys);
        Assert.Equal(25, keys.Distinct().Count());
    }

    [Fact]
    public async Task ListFindings_FilterByDest_ReturnsOnlyThatHost()
    {
        var events = Enumerable.Range(0, 6).Select(i => new EventXml { Computer = $"HOST-{i % 2}", SubjectNames = [$"CN=c{i}"], RecordId = i + 1 }.Render());
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", events)]);

        var filter = new FindingFilter();
        filter.Dests.Add("HOST-1");
        var found = await IngestDriver.ListAllAsync(Channel, filter);

        Assert.Equal(["CN=c1", "CN=c3", "CN=c5"], found.Select(finding => finding.Subject));
        Assert.All(found, finding => Assert.Equal("HOST-1", finding.Dest));
    }

    [Fact]
    public async Task ListFindings_BadPageToken_IsInvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new FindingsClient(Channel).ListFindingsAsync(new ListFindingsRequest { PageToken = "not a token!" }));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
