using System.Text;
using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Delivery;

/// <summary>The collector against a server that fails, restarts, refuses sizes: nothing lost, nothing double-counted silently.</summary>
public sealed class ReplayDeliveryTests : IDisposable
{
    private static readonly ReplayOptions Fast = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        CheckpointInterval = TimeSpan.Zero,
        Reconnect = new ReconnectPolicy { MaxAttempts = 5, InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(1) },
    };

    private readonly TestData.TempDirectory _dir = TestData.TempDir();
    private readonly List<TimeSpan> _waits = [];
    private readonly StringWriter _notices = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A client whose reconnect waits are recorded instead of slept.</summary>
    private ReplayClient Client(FakeIngestClient fake) => new(fake)
    {
        Notices = _notices,
        Delay = (wait, _) =>
        {
            lock (_waits) _waits.Add(wait);
            return Task.CompletedTask;
        },
    };

    private string File(string name, int events, int firstRecordId = 1) =>
        _dir.File(name, TestData.Utf8(TestData.Lines(events, firstRecordId)));

    private static BatchAck AcceptAll(EventBatch b) => new() { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };

    /// <summary>A server that acks every batch, remembers what it applied, and counts re-sends as duplicates.</summary>
    private sealed class DedupServer
    {
        private readonly HashSet<long> _applied = [];

        public BatchAck Apply(EventBatch b)
        {
            var ack = new BatchAck { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };
            lock (_applied)
            {
                foreach (var e in b.Events)
                {
                    if (!_applied.Add(TestData.RecordId(e)))
                        ack.Duplicates++;
                }
            }

            return ack;
        }
    }

    [Fact]
    public async Task Replay_StreamFailsAfterTwoAcks_ResendsUnackedInOrder()
    {
        var batches = 0;
        FakeIngestClient? fake = null;
        fake = new FakeIngestClient
        {
            Handler = b => fake!.Calls == 1 && ++batches > 2
                ? throw new RpcException(new Status(StatusCode.Unavailable, "server restarting"))
                : AcceptAll(b),
        };
        var file = File("a.xml", 10);

        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 2, MaxInFlight = 1 });

        Assert.Equal(2, fake.Calls);
        Assert.Equal([1, 2, 3, 4, 5, 6], fake.Log.Where(l => l.Call == 1).SelectMany(l => l.Batch.Events).Select(TestData.RecordId));
        // Batch 3 (events 5, 6) was never acknowledged: it goes first on the new stream, then the rest in order.
        Assert.Equal([5, 6, 7, 8, 9, 10], fake.Log.Where(l => l.Call == 2).SelectMany(l => l.Batch.Events).Select(TestData.RecordId));
        Assert.Equal((10L, 2L, 10L, 0L), (summary.Sent, summary.Resent, summary.Accepted, summary.Duplicates));
        Assert.Empty(summary.Rejected);
        Assert.Single(_waits);
        Assert.Contains("reconnecting in", _notices.ToString());
    }

    [Fact]
    public async Task Replay_StreamFailsWithManyInFlight_ResendsEveryUnackedEventOnceInOrder()
    {
        var server = new DedupServer();
        var batches = 0;
        FakeIngestClient? fake = null;
        fake = new FakeIngestClient
        {
            // The first stream dies after applying its third batch but before acknowledging it.
            Handler = b =>
            {
                var ack = server.Apply(b);
                return fake!.Calls == 1 && ++batches == 3 ? throw new RpcException(new Status(StatusCode.Internal, "connection reset")) : ack;
            },
        };
        var file = File("a.xml", 40);

        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 4, MaxInFlight = 8 });

        var second = fake.Log.Where(l => l.Call == 2).SelectMany(l => l.Batch.Events).Select(TestData.RecordId).ToList();
        Assert.Equal(Enumerable.Range(9, 32).Select(i => (long)i), second);
        Assert.Equal(40, summary.Accepted);
        Assert.Equal(4, summary.Duplicates); // the third batch, applied before the ack was lost
        Assert.Equal(40, summary.Sent);
    }

    [Fact]
    public async Task Replay_UnavailableWithRetryAfter_WaitsAtLeastWhatTheServerAsks()
    {
        var failed = false;
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                if (failed)
                    return AcceptAll(b);
                failed = true;
                throw new RpcException(new Status(StatusCode.Unavailable, "too many streams"), new Metadata { { "retry-after-ms", "1234" } });
            },
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 3)], Fast);

        var wait = Assert.Single(_waits);
        Assert.InRange(wait.TotalMilliseconds, 1234, 1234 * 1.1);
        Assert.Equal(3, summary.Accepted);
    }

    [Fact]
    public async Task Replay_ServerNeverAnswers_GivesUpAfterMaxAttemptsWithGrowingBackoff()
    {
        var fake = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.Unavailable, "connection refused")) };

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(() => Client(fake).ReplayAsync([File("a.xml", 3)], Fast with { Reconnect = Fast.Reconnect with { MaxAttempts = 6 } }));

        Assert.Equal((StatusCode.Unavailable, 6, 6), (ex.Status.StatusCode, ex.Attempts, fake.Calls));
        // 100 ms doubling, capped at 1 s, each between half and all of its step.
        double[] steps = [100, 200, 400, 800, 1000];
        Assert.Equal(steps.Length, _waits.Count);
        for (var i = 0; i < steps.Length; i++)
            Assert.InRange(_waits[i].TotalMilliseconds, steps[i] / 2, steps[i]);
    }

    [Fact]
    public async Task Replay_ProgressBetweenFailures_ResetsTheAttemptCount()
    {
        // Every stream acks one batch, then dies: never more than one failure in a row.
        var perCall = new Dictionary<int, int>();
        FakeIngestClient? fake = null;
        fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var call = fake!.Calls;
                lock (perCall)
                {
                    perCall[call] = perCall.GetValueOrDefault(call) + 1;
                    if (perCall[call] > 1)
                        throw new RpcException(new Status(StatusCode.Unavailable, "flaky"));
                }

                return AcceptAll(b);
            },
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 8)], Fast with { BatchSize = 1, MaxInFlight = 1, Reconnect = Fast.Reconnect with { MaxAttempts = 2 } });

        Assert.Equal(8, summary.Accepted);
        Assert.Equal(8, fake.Calls);
    }

    [Fact]
    public async Task Replay_ResourceExhausted_SplitsTheBatchInHalvesUntilItFits()
    {
        var fake = new FakeIngestClient
        {
            Handler = b => b.Events.Count > 2
                ? throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."))
                : AcceptAll(b),
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 8)], Fast with { BatchSize = 8 });

        var accepted = fake.Log.Where(l => l.Batch.Events.Count <= 2).ToList();
        Assert.Equal([2, 2, 2, 2], accepted.Select(l => l.Batch.Events.Count));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), accepted.SelectMany(l => l.Batch.Events).Select(TestData.RecordId));
        Assert.Equal(8, summary.Accepted);
        Assert.Empty(_waits); // splitting is not a reconnect attempt: no backoff
    }

    [Fact]
    public async Task Replay_OneEventTooLargeAlone_IsRejectedTooLargeLocallyAndTheRestGoesThrough()
    {
        var fake = new FakeIngestClient
        {
            Handler = b => b.Events.Any(e => TestData.RecordId(e) == 3)
                ? throw new RpcException(new Status(StatusCode.ResourceExhausted, "message too large"))
                : AcceptAll(b),
        };
        var file = File("a.xml", 5);

        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 5 });

        var rejection = Assert.Single(summary.Rejected);
        Assert.Equal((file, 3, RejectReason.TooLarge), (rejection.File, rejection.Line, rejection.Reason));
        Assert.Contains("message size limit", rejection.Message);
        Assert.Equal(4, summary.Accepted);
    }

    [Fact]
    public async Task Replay_TooManyEvents_HalvesTheBatchSizeForTheRestOfTheRun()
    {
        var fake = new FakeIngestClient
        {
            Handler = b => b.Events.Count > 4
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"Batch '{b.BatchId}' has too many events."))
                : AcceptAll(b),
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 20)], Fast with { BatchSize = 8, MaxInFlight = 1 });

        Assert.Equal([8, 4, 4, 4, 4, 4], fake.Received.Select(b => b.Events.Count));
        Assert.Equal(20, summary.Accepted);
        Assert.Contains("sending 4 events per batch from now on", _notices.ToString());
    }

    [Fact]
    public async Task Replay_TooManyEventsWithStatedLimit_UsesTheLimitWhenBelowHalf()
    {
        var fake = new FakeIngestClient
        {
            Handler = b => b.Events.Count > 3
                ? throw new RpcException(new Status(StatusCode.InvalidArgument, $"Batch '{b.BatchId}' has {b.Events.Count} events; the limit is 3 (CertExportGrid:Ingest:MaxEventsPerBatch). Send smaller batches."))
                : AcceptAll(b),
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 10)], Fast with { BatchSize = 10, MaxInFlight = 1 });

        Assert.Equal([10, 3, 3, 3, 1], fake.Received.Select(b => b.Events.Count));
        Assert.Equal(10, summary.Accepted);
    }

    [Fact]
    public async Task Replay_OtherInvalidArgument_FailsAtOnceWithTheStatus()
    {
        var fake = new FakeIngestClient { Handler = _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "batch_id is required")) };

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(() => Client(fake).ReplayAsync([File("a.xml", 2)], Fast));

        Assert.Equal((StatusCode.InvalidArgument, "batch_id is required", 0, 1), (ex.Status.StatusCode, ex.Status.Detail, ex.Attempts, fake.Calls));
    }

    [Fact]
    public async Task Replay_RetryableRejectionPendingWhenStreamFails_CheckpointStopsBeforeIt()
    {
        // Event 2 is refused as retryable every time; the replay ends with it rejected after its retries.
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var ack = AcceptAll(b);
                for (var i = 0; i < b.Events.Count; i++)
                {
                    if (TestData.RecordId(b.Events[i]) == 2)
                    {
                        ack.Accepted--;
                        ack.Rejected.Add(new EventRejection { Index = (uint)i, Reason = RejectReason.Unavailable, Retryable = true, Message = "storage busy" });
                    }
                }

                return ack;
            },
        };
        var file = File("a.xml", 4);
        var checkpoint = Path.Combine(_dir.Path, "cp.json");

        var summary = await Client(fake).ReplayAsync([file], Fast with { CheckpointPath = checkpoint, MaxRetries = 2 });

        Assert.Equal(2, Assert.Single(summary.Rejected).Line);
        // Given up on although retryable: not confirmed, so the checkpoint stays before it...
        var entry = Assert.Single(CheckpointStore.Open(checkpoint).Entries);
        Assert.Equal(1, entry.Line);
        Assert.Equal(Encoding.UTF8.GetByteCount(TestData.Lines(1)), entry.Offset);

        // ...and the next run sends it again (and what followed it, which the server de-duplicates).
        var healthy = new FakeIngestClient();
        var again = await Client(healthy).ReplayAsync([file], Fast with { CheckpointPath = checkpoint });
        Assert.Empty(again.Rejected);
        Assert.Equal([2L, 3L, 4L], healthy.Received.SelectMany(b => b.Events).Select(TestData.RecordId));
        Assert.Equal(4, Assert.Single(CheckpointStore.Open(checkpoint).Entries).Line);
    }

    [Fact]
    public async Task Replay_WithCheckpoint_SecondRunSkipsTheConfirmedPrefix()
    {
        var file = File("a.xml", 10);
        var checkpoint = Path.Combine(_dir.Path, "cp.json");
        var acks = 0;
        var failing = new FakeIngestClient
        {
            Handler = b => ++acks <= 2 ? AcceptAll(b) : throw new RpcException(new Status(StatusCode.PermissionDenied, "stop here")),
        };
        await Assert.ThrowsAsync<ReplayFailedException>(() => Client(failing).ReplayAsync([file], Fast with { BatchSize = 3, MaxInFlight = 1, CheckpointPath = checkpoint }));
        var afterFirst = Assert.Single(CheckpointStore.Open(checkpoint).Entries);
        Assert.Equal((Path.GetFullPath(file), 6), (afterFirst.Path, afterFirst.Line));

        var fake = new FakeIngestClient();
        var summary = await Client(fake).ReplayAsync([file], Fast with { BatchSize = 3, CheckpointPath = checkpoint });

        Assert.Equal([7, 8, 9, 10], fake.Received.SelectMany(b => b.Events).Select(TestData.RecordId));
        Assert.Equal((4L, 4L), (summary.Events, summary.Accepted));
        Assert.Contains($"resuming {file} at line 7", _notices.ToString());
        var done = Assert.Single(CheckpointStore.Open(checkpoint).Entries);
        Assert.Equal((new FileInfo(file).Length, 10), (done.Offset, done.Line));
    }

    [Fact]
    public async Task Replay_CheckpointedFileWasReplaced_StartsItFromTheBeginningWithAWarning()
    {
        var file = File("a.xml", 4);
        var checkpoint = Path.Combine(_dir.Path, "cp.json");
        await Client(new FakeIngestClient()).ReplayAsync([file], Fast with { CheckpointPath = checkpoint });
        System.IO.File.WriteAllBytes(file, TestData.Utf8(TestData.Lines(6, firstRecordId: 101))); // rotated: new content, longer

        var fake = new FakeIngestClient();
        await Client(fake).ReplayAsync([file], Fast with { CheckpointPath = checkpoint });

        Assert.Equal(Enumerable.Range(101, 6).Select(i => (long)i), fake.Received.SelectMany(b => b.Events).Select(TestData.RecordId));
        Assert.Contains($"warning: {file} is not the file the checkpoint describes", _notices.ToString());
    }

    [Fact]
    public async Task Replay_CheckpointedFileGrew_SendsOnlyTheNewLines()
    {
        var file = File("a.xml", 3);
        var checkpoint = Path.Combine(_dir.Path, "cp.json");
        await Client(new FakeIngestClient()).ReplayAsync([file], Fast with { CheckpointPath = checkpoint });
        System.IO.File.AppendAllText(file, "\n" + TestData.Lines(2, firstRecordId: 4));

        var fake = new FakeIngestClient();
        var summary = await Client(fake).ReplayAsync([file], Fast with { CheckpointPath = checkpoint });

        Assert.Equal([4, 5], fake.Received.SelectMany(b => b.Events).Select(TestData.RecordId));
        Assert.Equal(0, summary.Resent);
    }

    [Fact]
    public async Task Replay_StreamEndsWithBatchesUnacknowledged_ReconnectsAndResends()
    {
        var ended = false;
        FakeIngestClient? fake = null;
        fake = new FakeIngestClient
        {
            // The first stream "ends" cleanly after one ack (a dying server can close its side).
            Handler = b => fake!.Calls == 1 && ended ? throw new FakeIngestClient.EndStreamException() : Mark(ref ended, AcceptAll(b)),
        };

        var summary = await Client(fake).ReplayAsync([File("a.xml", 4)], Fast with { BatchSize = 2, MaxInFlight = 1 });

        Assert.Equal(4, summary.Accepted);
        Assert.Equal(2, fake.Calls);
    }

    private static BatchAck Mark(ref bool flag, BatchAck ack)
    {
        flag = true;
        return ack;
    }
}
