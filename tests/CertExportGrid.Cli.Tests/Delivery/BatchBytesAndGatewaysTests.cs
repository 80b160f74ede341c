using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Delivery;

/// <summary>Batches capped by bytes, oversized events, and several gateways taking turns after failures.</summary>
public sealed class BatchBytesAndGatewaysTests : IDisposable
{
    private static readonly ReplayOptions Fast = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        CheckpointInterval = TimeSpan.Zero,
        Reconnect = new ReconnectPolicy { MaxAttempts = 5, InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
    };

    private static readonly string HugeSubject = new('x', 20_000);

    private readonly TestData.TempDirectory _dir = TestData.TempDir();
    private readonly StringWriter _notices = new();

    public void Dispose() => _dir.Dispose();

    private ReplayClient Client(params FakeIngestClient[] gateways) =>
        new([.. gateways.Select((g, i) => new IngestEndpoint($"http://gw{i + 1}:50051", g))])
        {
            Notices = _notices,
            Delay = (_, _) => Task.CompletedTask,
        };

    /// <summary>What one event adds to a batch on the wire: the Event message, its tag and its length.</summary>
    private static int WireSize(string xml) =>
        CodedOutputStream.ComputeMessageSize(new Event { XmlUtf8 = ByteString.CopyFromUtf8(xml) }) + 1;

    private static BatchAck AcceptAll(EventBatch b) => new() { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };

    private static bool HasHuge(EventBatch b) => b.Events.Any(e => e.XmlUtf8.Length > 10_000);

    private static IEnumerable<long> Ids(IEnumerable<EventBatch> batches) => batches.SelectMany(b => b.Events).Select(TestData.RecordId);

    [Fact]
    public async Task Replay_MaxBatchBytes_CutsBatchesBeforeTheByteBudgetRunsOut()
    {
        var size = WireSize(TestData.Event(recordId: 1)); // record ids 1..9 all have the same size
        var fake = new FakeIngestClient();
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Lines(9)));

        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 500, MaxBatchBytes = (2 * size) + (size / 2) });

        Assert.Equal([2, 2, 2, 2, 1], fake.Received.Select(b => b.Events.Count));
        Assert.All(fake.Received, b => Assert.Equal(b.Events.Count * size, b.Events.Sum(e => WireSize(e.XmlUtf8.ToStringUtf8()))));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), Ids(fake.Received));
        Assert.Equal(9, summary.Accepted);
    }

    [Fact]
    public async Task Replay_EventLargerThanTheBudget_IsSentAloneAndAccepted()
    {
        var lines = string.Concat(
            TestData.Event(recordId: 1) + "\n",
            TestData.Event(recordId: 2) + "\n",
            TestData.Event(recordId: 3, subject: HugeSubject) + "\n",
            TestData.Event(recordId: 4) + "\n");
        var fake = new FakeIngestClient();

        var summary = await Client(fake).ReplayAsync([_dir.File("a.xml", TestData.Utf8(lines))], Fast with { MaxBatchBytes = 8 * 1024 });

        Assert.Equal([[1L, 2L], [3L], [4L]], fake.Received.Select(b => Ids([b]).ToArray()));
        Assert.Equal((4L, 0), (summary.Accepted, summary.Rejected.Count));
    }

    [Fact]
    public async Task Replay_LoneEventOverTheServerLimit_IsReportedTooLargeAndTheLaterLinesAreSent()
    {
        // The server applies up to 4 batches at once (acks held), and fails the whole call on the oversized
        // message: the batches before it are unacknowledged too. The culprit is the largest batch, not the first.
        var lines = string.Concat(Enumerable.Range(1, 10).Select(i =>
            (i == 7 ? TestData.Event(recordId: i, subject: HugeSubject) : TestData.Event(recordId: i)) + "\n"));
        var file = _dir.File("a.xml", TestData.Utf8(lines));
        var fake = new FakeIngestClient
        {
            AckAfterBatches = 4,
            Handler = b => HasHuge(b)
                ? throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."))
                : AcceptAll(b),
        };

        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 2, MaxInFlight = 4, MaxBatchBytes = 8 * 1024 });

        var rejection = Assert.Single(summary.Rejected);
        Assert.Equal((file, 7, RejectReason.TooLarge, false), (rejection.File, rejection.Line, rejection.Reason, rejection.Retryable));
        Assert.StartsWith($"the event alone ({WireSize(TestData.Event(recordId: 7, subject: HugeSubject))} bytes) is over the server's message size limit (ResourceExhausted: Received message exceeds", rejection.Message);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], Ids(fake.Log.Where(l => l.Call == 1).Select(l => l.Batch)));
        // Second call: the unacknowledged batches again, in order, without the oversized event; then the rest.
        Assert.Equal([[1L, 2L], [3L, 4L], [5L, 6L], [8L, 9L], [10L]], fake.Log.Where(l => l.Call == 2).Select(l => Ids([l.Batch]).ToArray()));
        Assert.Equal((10L, 9L, 6L), (summary.Sent, summary.Accepted, summary.Resent));
        Assert.Equal(2, fake.Calls);
    }

    [Fact]
    public async Task Replay_ServerLimitBelowTheBudget_SplitsAndLowersTheBudgetForTheRestOfTheRun()
    {
        var size = WireSize(TestData.Event(recordId: 1));
        var limit = (2 * size) + 10; // the server takes two events per message, not three
        var fake = new FakeIngestClient
        {
            Handler = b => b.CalculateSize() > limit
                ? throw new RpcException(new Status(StatusCode.ResourceExhausted, "too large"))
                : AcceptAll(b),
        };

        var summary = await Client(fake).ReplayAsync([_dir.File("a.xml", TestData.Utf8(TestData.Lines(8)))], Fast with { BatchSize = 8, MaxInFlight = 1 });

        Assert.Equal(8, summary.Accepted);
        Assert.Empty(summary.Rejected);
        Assert.Equal([8, 4, 2, 2, 2, 2], fake.Received.Select(b => b.Events.Count));
        Assert.Contains($"sending at most {4 * size} bytes per batch from now on", _notices.ToString());
        Assert.Contains($"sending at most {2 * size} bytes per batch from now on", _notices.ToString());
    }

    [Fact]
    public async Task Replay_FirstGatewayDown_RotatesToTheNextAndDeliversEverything()
    {
        var down = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.Unavailable, "connection refused")) };
        var up = new FakeIngestClient();

        var summary = await Client(down, up).ReplayAsync([_dir.File("a.xml", TestData.Utf8(TestData.Lines(5)))], Fast with { BatchSize = 2 });

        Assert.Equal((1, 1), (down.Calls, up.Calls));
        Assert.Equal([1L, 2, 3, 4, 5], Ids(up.Received));
        Assert.Equal(5, summary.Accepted);
        Assert.Contains("warning: the ingest stream at http://gw1:50051 failed (Unavailable: connection refused)", _notices.ToString());
        Assert.Contains("reconnecting to http://gw2:50051 in", _notices.ToString());
    }

    [Fact]
    public async Task Replay_EveryReconnectGoesToTheNextGatewayInTurnAndWrapsAround()
    {
        // gw1 dies after its first ack, gw2 refuses, gw1 is back: gw1, gw2, gw1.
        FakeIngestClient? first = null;
        var batches = 0;
        first = new FakeIngestClient
        {
            Handler = b => first!.Calls == 1 && ++batches > 1 ? throw new RpcException(new Status(StatusCode.Unavailable, "gateway died")) : AcceptAll(b),
        };
        var second = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.Unavailable, "connection refused")) };

        var summary = await Client(first, second).ReplayAsync([_dir.File("a.xml", TestData.Utf8(TestData.Lines(6)))], Fast with { BatchSize = 2, MaxInFlight = 1 });

        Assert.Equal((2, 1), (first.Calls, second.Calls));
        Assert.Equal([1L, 2], Ids(first.Log.Where(l => l.Call == 1).Select(l => l.Batch).Take(1)));
        Assert.Equal([3L, 4, 5, 6], Ids(first.Log.Where(l => l.Call == 2).Select(l => l.Batch)));
        Assert.Equal((6L, 0L), (summary.Accepted, summary.Duplicates));
    }

    [Fact]
    public async Task Replay_AllGatewaysDown_GivesUpNamingTheLastOneTried()
    {
        var a = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.Unavailable, "refused a")) };
        var b = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.Unavailable, "refused b")) };

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(() =>
            Client(a, b).ReplayAsync([_dir.File("a.xml", TestData.Utf8(TestData.Lines(2)))], Fast with { Reconnect = Fast.Reconnect with { MaxAttempts = 3 } }));

        Assert.Equal((2, 1), (a.Calls, b.Calls));
        Assert.Equal((3, "http://gw1:50051", "refused a"), (ex.Attempts, ex.Endpoint, ex.Status.Detail));
    }
}
