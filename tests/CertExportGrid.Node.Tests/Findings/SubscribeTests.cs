using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>The server-streaming Subscribe call over real gRPC: snapshot, live updates, filters.</summary>
public sealed class SubscribeTests() : NodeTestBase()
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    [Fact]
    public async Task Subscribe_WithSnapshot_SendsCurrentStateThenLiveUpdates()
    {
        var export = new EventXml { Computer = "WKS-SNAP", RecordId = 1, SystemTime = "2024-06-03T10:00:00Z" };
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("before", [export.Render()])]);
        using var cts = new CancellationTokenSource(Patience);
        using var call = new FindingsClient(Channel).Subscribe(new SubscribeRequest { IncludeSnapshot = true }, cancellationToken: cts.Token);
        var stream = call.ResponseStream;

        var snapshot = await NextAsync(stream, cts.Token);
        Assert.Equal(("WKS-SNAP", 1ul, 1ul), (snapshot.Finding.Dest, snapshot.Finding.Count, snapshot.Finding.Version));
        var complete = await NextAsync(stream, cts.Token);
        Assert.Equal(1ul, complete.SnapshotComplete.Count);

        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("after", [(export with { RecordId = 2, SystemTime = "2024-06-03T09:00:00Z" }).Render()])]);
        var live = await NextAsync(stream, cts.Token);
        Assert.Equal((2ul, 2ul), (live.Finding.Count, live.Finding.Version));
        Assert.Equal(new DateTime(2024, 6, 3, 9, 0, 0, DateTimeKind.Utc), live.Finding.FirstTime.ToDateTime());
        Assert.Equal("2024-06-03T09:00:00", live.Finding.FirstTimeSplunk);
    }

    [Fact]
    public async Task Subscribe_FilterBySubject_ReceivesOnlyMatchingUpdates()
    {
        using var cts = new CancellationTokenSource(Patience);
        var request = new SubscribeRequest { Filter = new FindingFilter() };
        request.Filter.Subjects.Add("CN=wanted");
        using var call = await SubscribeLiveAsync(new FindingsClient(Channel), request, cts.Token);

        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", [
            new EventXml { SubjectNames = ["CN=other"], RecordId = 1 }.Render(),
            new EventXml { SubjectNames = ["CN=wanted"], RecordId = 2 }.Render(),
        ])]);
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("c", [new EventXml { SubjectNames = ["CN=other"], RecordId = 3 }.Render()])]);
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("d", [new EventXml { SubjectNames = ["CN=wanted"], RecordId = 4 }.Render()])]);

        var first = await NextAsync(call.ResponseStream, cts.Token);
        var second = await NextAsync(call.ResponseStream, cts.Token);
        Assert.Equal(("CN=wanted", 1ul), (first.Finding.Subject, first.Finding.Count));
        Assert.Equal(("CN=wanted", 2ul), (second.Finding.Subject, second.Finding.Count));
    }

    [Fact]
    public async Task Subscribe_TwoSubscribers_BothReceiveEveryUpdate()
    {
        using var cts = new CancellationTokenSource(Patience);
        var client = new FindingsClient(Channel);
        using var a = await SubscribeLiveAsync(client, new SubscribeRequest(), cts.Token);
        using var b = await SubscribeLiveAsync(client, new SubscribeRequest(), cts.Token);

        var events = Enumerable.Range(1, 5).Select(i => new EventXml { SubjectNames = [$"CN=k{i}"], RecordId = i }.Render());
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", events)]);

        foreach (var call in new[] { a, b })
        {
            var subjects = new List<string>();
            for (var i = 0; i < 5; i++)
            {
                subjects.Add((await NextAsync(call.ResponseStream, cts.Token)).Finding.Subject);
            }

            Assert.Equal(["CN=k1", "CN=k2", "CN=k3", "CN=k4", "CN=k5"], subjects.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Subscribe_ResumeFromPosition_DeliversEveryMissedUpdateOnceInOrder()
    {
        using var cts = new CancellationTokenSource(Patience);
        var client = new FindingsClient(Channel);
        string position;
        using (var first = await SubscribeLiveAsync(client, new SubscribeRequest(), cts.Token))
        {
            await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("seen", [new EventXml { SubjectNames = ["CN=a"], RecordId = 1 }.Render()])]);
            var seen = await NextAsync(first.ResponseStream, cts.Token);
            Assert.Equal(("CN=a", 1ul), (seen.Finding.Subject, seen.Finding.Version));
            position = seen.Position;
        }

        // Missed while disconnected: three updates of CN=a, one of CN=b.
        for (var record = 2; record <= 4; record++)
        {
            await IngestDriver.SendAsync(Channel, [IngestDriver.Batch($"m{record}", [new EventXml { SubjectNames = ["CN=a"], RecordId = record }.Render()])]);
        }

        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("mb", [new EventXml { SubjectNames = ["CN=b"], RecordId = 9 }.Render()])]);
        await WaitForLogAsync(position, expected: 4, cts.Token);

        using var resumed = client.Subscribe(new SubscribeRequest { ResumeFrom = position }, cancellationToken: cts.Token);
        var missed = new List<(string, ulong)>();
        for (var i = 0; i < 4; i++)
        {
            var update = await NextAsync(resumed.ResponseStream, cts.Token);
            Assert.Equal(SubscribeResponse.KindOneofCase.Finding, update.KindCase);
            missed.Add((update.Finding.Subject, update.Finding.Version));
        }

        Assert.Equal([("CN=a", 2ul), ("CN=a", 3ul), ("CN=a", 4ul), ("CN=b", 1ul)], missed);
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("live", [new EventXml { SubjectNames = ["CN=a"], RecordId = 5 }.Render()])]);
        var live = await NextAsync(resumed.ResponseStream, cts.Token);
        Assert.Equal(("CN=a", 5ul), (live.Finding.Subject, live.Finding.Version));
    }

    [Fact]
    public async Task Subscribe_ResumeFromUnknownEpoch_SaysExpiredThenSendsSnapshot()
    {
        using var cts = new CancellationTokenSource(Patience);
        await IngestDriver.SendAsync(Channel, [IngestDriver.Batch("b", [new EventXml { SubjectNames = ["CN=x"], RecordId = 1 }.Render()])]);
        var broadcaster = Factory.Services.GetRequiredService<CertExportGrid.Node.Findings.FindingsBroadcaster>();
        while (broadcaster.Log.Newest < 1)
        {
            await Task.Delay(20, cts.Token);
        }

        using var call = new FindingsClient(Channel).Subscribe(new SubscribeRequest { ResumeFrom = "000000000000.17" }, cancellationToken: cts.Token);

        var expired = await NextAsync(call.ResponseStream, cts.Token);
        Assert.Equal("000000000000.17", expired.ResumeExpired.Requested);
        var snapshot = await NextAsync(call.ResponseStream, cts.Token);
        Assert.Equal("CN=x", snapshot.Finding.Subject);
        var complete = await NextAsync(call.ResponseStream, cts.Token);
        Assert.Equal(1ul, complete.SnapshotComplete.Count);
        // The snapshot already holds the logged update: its position is past it, so resuming from
        // it never repeats that update.
        Assert.Equal(broadcaster.Log.PositionOf(1), complete.Position);
    }

    [Fact]
    public async Task Subscribe_MalformedResumePosition_IsInvalidArgument()
    {
        using var call = new FindingsClient(Channel).Subscribe(new SubscribeRequest { ResumeFrom = "garbage" });
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    /// <summary>Fan-out is asynchronous: wait until the gateway has logged the missed updates.</summary>
    private async Task WaitForLogAsync(string position, int expected, CancellationToken cancellationToken)
    {
        var broadcaster = Factory.Services.GetRequiredService<CertExportGrid.Node.Findings.FindingsBroadcaster>();
        var after = broadcaster.Log.SequenceOf(position)!.Value;
        while (broadcaster.Log.Newest < after + expected)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private static async Task<SubscribeResponse> NextAsync(IAsyncStreamReader<SubscribeResponse> stream, CancellationToken cancellationToken)
    {
        Assert.True(await stream.MoveNext(cancellationToken), "the stream ended early");
        return stream.Current;
    }

    /// <summary>
    /// Subscribes with a snapshot and reads it to its end: the subscription is registered before the
    /// snapshot is taken, so once SnapshotComplete arrives every later update will be delivered.
    /// </summary>
    private static async Task<AsyncServerStreamingCall<SubscribeResponse>> SubscribeLiveAsync(FindingsClient client, SubscribeRequest request, CancellationToken cancellationToken)
    {
        request.IncludeSnapshot = true;
        var call = client.Subscribe(request, cancellationToken: cancellationToken);
        while ((await NextAsync(call.ResponseStream, cancellationToken)).KindCase != SubscribeResponse.KindOneofCase.SnapshotComplete)
        {
        }

        return call;
    }
}
