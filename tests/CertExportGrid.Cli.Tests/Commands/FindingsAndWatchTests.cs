using System.Text.Json;
using CertExportGrid.Cli.Commands;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Tests.Commands;

public class FindingsAndWatchTests
{
    private static Finding F(string dest, string subject, ulong count = 1) => new() { Dest = dest, Subject = subject, Count = count };

    [Fact]
    public async Task ListAll_ThreePages_FollowsNextPageTokenWithTheFilter()
    {
        var fake = new FakeFindingsClient { Pages = [[F("a", "1"), F("a", "2")], [F("b", "1")], [F("c", "1")]] };
        var filter = CommonOptions.Filter(["a", "b", "c"], []);

        var all = await FindingsCommand.ListAllAsync(fake, filter, CancellationToken.None);

        Assert.Equal(["a", "a", "b", "c"], all.Select(f => f.Dest));
        Assert.Equal(["", "p1", "p2"], fake.ListRequests.Select(r => r.PageToken));
        Assert.All(fake.ListRequests, r => Assert.Equal(["a", "b", "c"], r.Filter.Dests));
        Assert.All(fake.ListRequests, r => Assert.Equal(1000u, r.PageSize));
        Assert.All(fake.ListRequests, r => Assert.False(r.IncludeSuppressed));
    }

    [Fact]
    public async Task Fetch_IncludeSuppressed_AsksEveryPageForSuppressedFindings()
    {
        var fake = new FakeFindingsClient { Pages = [[F("a", "1")], [new Finding { Dest = "b", Subject = "1", Suppressed = true }]] };

        var (findings, _) = await FindingsCommand.FetchAsync(fake, CommonOptions.Filter([], []), withRows: false, CancellationToken.None, includeSuppressed: true);

        Assert.Equal([false, true], findings.Select(f => f.Suppressed));
        Assert.Equal([true, true], fake.ListRequests.Select(r => r.IncludeSuppressed));
    }

    [Fact]
    public async Task Watch_Json_PrintsFindingSnapshotAndGapLines()
    {
        var fake = new FakeFindingsClient();
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { Finding = F("WKS-1", "wks-1", 2) });
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { SnapshotComplete = new SnapshotComplete { Count = 1 } });
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { Gap = new Gap { Dropped = 5, Reason = "slow" } });
        fake.Subscription.Writer.Complete();
        var output = new StringWriter();
        var error = new StringWriter();

        await WatchCommand.WatchAsync(fake, new SubscribeRequest(), json: true, output, error, CancellationToken.None);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["finding", "snapshotComplete", "gap"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal("WKS-1", lines[0].GetProperty("dest").GetString());
        Assert.Equal(2, lines[0].GetProperty("count").GetInt64());
        Assert.Equal(5, lines[2].GetProperty("dropped").GetInt64());
        Assert.Empty(error.ToString());
    }

    [Fact]
    public async Task Watch_Table_PrintsUpdatesToOutputAndGapToError()
    {
        var fake = new FakeFindingsClient();
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { Finding = F("WKS-1", "wks-1", 3) });
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { SnapshotComplete = new SnapshotComplete { Count = 1 } });
        fake.Subscription.Writer.TryWrite(new SubscribeResponse { Gap = new Gap { Dropped = 5, Reason = "slow" } });
        fake.Subscription.Writer.Complete();
        var output = new StringWriter();
        var error = new StringWriter();

        await WatchCommand.WatchAsync(fake, new SubscribeRequest(), json: false, output, error, CancellationToken.None);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("  WKS-1  wks-1  count=3  ", lines[0]);
        Assert.Equal("-- snapshot complete: 1 finding(s); live updates follow --", lines[1].TrimEnd('\r'));
        Assert.Equal("!! gap: 5 update(s) dropped (slow); a fresh snapshot follows", error.ToString().TrimEnd());
    }

    [Fact]
    public async Task Watch_Cancelled_StopsWithCancellation()
    {
        var fake = new FakeFindingsClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => WatchCommand.WatchAsync(fake, new SubscribeRequest(), json: true, TextWriter.Null, TextWriter.Null, cts.Token));
    }

    [Fact]
    public void Render_UnknownKind_PrintsNothing()
    {
        Assert.Null(WatchCommand.Render(new SubscribeResponse(), json: true, out _));
    }
}
