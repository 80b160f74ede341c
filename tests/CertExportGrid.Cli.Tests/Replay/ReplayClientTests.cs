using System.Text;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Cli.Tests.Fakes;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Cli.Tests.Replay;

public sealed class ReplayClientTests : IDisposable
{
    private static readonly ReplayOptions FastRetries = new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        Reconnect = new ReconnectPolicy { MaxAttempts = 5, InitialBackoff = TimeSpan.Zero, MaxBackoff = TimeSpan.Zero },
    };
    private readonly TestData.TempDirectory _dir = TestData.TempDir();

    public void Dispose() => _dir.Dispose();

    private string Utf8File(string name, int events, string separator = "\n") =>
        _dir.File(name, TestData.Utf8(string.Concat(Enumerable.Range(1, events).Select(i => TestData.Event(recordId: i) + separator))));

    [Fact]
    public async Task Replay_FiveEventsBatchSizeTwo_SendsThreeBatchesAndSumsAcks()
    {
        var fake = new FakeIngestClient();
        var file = Utf8File("a.xml", 5);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries with { BatchSize = 2 });

        Assert.Equal([2, 2, 1], fake.Received.Select(b => b.Events.Count));
        Assert.Equal(3, fake.Received.Select(b => b.BatchId).Distinct().Count());
        Assert.Equal((1, 5L, 5L, 0L, 5L, 0L, 0L), (summary.Files, summary.Events, summary.Sent, summary.Resent, summary.Accepted, summary.Duplicates, summary.Ignored));
        Assert.Empty(summary.Rejected);
    }

    [Fact]
    public async Task Replay_BatchesSpanFiles_InFileOrder()
    {
        var fake = new FakeIngestClient();
        var a = Utf8File("a.xml", 3);
        var b = Utf8File("b.xml", 2);

        var summary = await new ReplayClient(fake).ReplayAsync([a, b], FastRetries with { BatchSize = 4 });

        Assert.Equal([4, 1], fake.Received.Select(x => x.Events.Count));
        Assert.Equal((2, 5L), (summary.Files, summary.Accepted));
    }

    [Fact]
    public async Task Replay_Utf8File_SendsTheLineBytesAsXmlUtf8()
    {
        var fake = new FakeIngestClient();
        var file = _dir.File("a.xml", TestData.Utf8(TestData.Event(subject: "Zoë") + "\r\n", bom: true));

        await new ReplayClient(fake).ReplayAsync([file], FastRetries);

        var sent = Assert.Single(Assert.Single(fake.Received).Events);
        Assert.Equal(Event.PayloadOneofCase.XmlUtf8, sent.PayloadCase);
        Assert.Equal(Encoding.UTF8.GetBytes(TestData.Event(subject: "Zoë")), sent.XmlUtf8.ToByteArray());
    }

    [Fact]
    public async Task Replay_Utf16LeFile_SendsDecodedXml()
    {
        var fake = new FakeIngestClient();
        var file = _dir.File("ps.xml", TestData.Utf16Le(TestData.Event(subject: "Zoë") + "\r\n"));

        await new ReplayClient(fake).ReplayAsync([file], FastRetries);

        var sent = Assert.Single(Assert.Single(fake.Received).Events);
        Assert.Equal(Event.PayloadOneofCase.Xml, sent.PayloadCase);
        Assert.Equal(TestData.Event(subject: "Zoë"), sent.Xml);
    }

    [Fact]
    public async Task Replay_Rejections_AreReportedAsFileAndLineInFileOrder()
    {
        // Server rejects every event whose record id is 2 or 4 (lines 3 and 7 because of blank lines).
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var ack = new BatchAck { BatchId = b.BatchId };
                for (var i = 0; i < b.Events.Count; i++)
                {
                    var xml = b.Events[i].XmlUtf8.ToStringUtf8();
                    if (xml.Contains("<EventRecordID>2<", StringComparison.Ordinal) || xml.Contains("<EventRecordID>4<", StringComparison.Ordinal))
                        ack.Rejected.Add(new EventRejection { Index = (uint)i, Reason = RejectReason.NotWellFormed, Message = "bad" });
                    else
                        ack.Accepted++;
                }

                return ack;
            },
        };
        var file = Utf8File("a.xml", 4, separator: "\n\n");

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries with { BatchSize = 3 });

        Assert.Equal([(file, 3, RejectReason.NotWellFormed, "bad"), (file, 7, RejectReason.NotWellFormed, "bad")],
            summary.Rejected.Select(r => (r.File, r.Line, r.Reason, r.Message)));
        Assert.Equal(2, summary.Accepted);
        Assert.True(summary.AnyRejected);
    }

    [Fact]
    public async Task Replay_UnavailableOnce_IsRetriedAndAccepted()
    {
        var seen = 0;
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var ack = new BatchAck { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };
                if (Interlocked.Increment(ref seen) == 1)
                {
                    ack.Accepted--;
                    ack.Rejected.Add(new EventRejection { Index = 0, Reason = RejectReason.Unavailable, Retryable = true, Message = "storage busy" });
                }

                return ack;
            },
        };
        var file = Utf8File("a.xml", 3);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries);

        Assert.Empty(summary.Rejected);
        Assert.Equal((3L, 1L, 3L), (summary.Sent, summary.Resent, summary.Accepted));
        Assert.Equal(fake.Received[0].Events[0], Assert.Single(fake.Received[1].Events));
    }

    [Fact]
    public async Task Replay_AlwaysUnavailable_ReportsRejectionAfterRetries()
    {
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                var ack = new BatchAck { BatchId = b.BatchId };
                ack.Rejected.Add(new EventRejection { Index = 0, Reason = RejectReason.Unavailable, Retryable = true, Message = "cluster down" });
                return ack;
            },
        };
        var file = Utf8File("a.xml", 1);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries with { MaxRetries = 2 });

        Assert.Equal(3, fake.Received.Count);
        var rejection = Assert.Single(summary.Rejected);
        Assert.Equal((file, 1, RejectReason.Unavailable, "cluster down", true), (rejection.File, rejection.Line, rejection.Reason, rejection.Message, rejection.Retryable));
        Assert.Equal((1L, 2L), (summary.Sent, summary.Resent));
    }

    [Fact]
    public async Task Replay_RateLimited_IsSentAgainAfterTheServersWait_BeyondMaxRetries_UntilAdmitted()
    {
        var sends = new List<TimeSpan>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var fake = new FakeIngestClient
        {
            Handler = b =>
            {
                lock (sends)
                    sends.Add(clock.Elapsed);
                var ack = new BatchAck { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };
                if (sends.Count <= 4)
                {
                    // The budget refuses the batch's first event four times over.
                    ack.Accepted--;
                    ack.Rejected.Add(new EventRejection { Index = 0, Reason = RejectReason.RateLimited, Retryable = true, RetryAfterMs = 80, Message = "Rate limited: key limit" });
                }

                return ack;
            },
        };
        var file = Utf8File("a.xml", 2);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries with { MaxRetries = 1 });

        // Backpressure, not loss: more sends than --retries allows, and every event is in.
        Assert.Empty(summary.Rejected);
        Assert.Equal((2L, 4L, 2L), (summary.Sent, summary.Resent, summary.Accepted));
        Assert.Equal(5, sends.Count);
        // Each resend waited at least what the server asked, not the 1 ms base delay.
        for (var i = 1; i < sends.Count; i++)
            Assert.True(sends[i] - sends[i - 1] >= TimeSpan.FromMilliseconds(80), $"resend {i} came {(sends[i] - sends[i - 1]).TotalMilliseconds:F0} ms after the refusal");
    }

    [Fact]
    public async Task Replay_SlowAcks_KeepsAtMostMaxInFlightBatchesOutstanding()
    {
        var fake = new FakeIngestClient { AckDelay = TimeSpan.FromMilliseconds(3) };
        var file = Utf8File("a.xml", 40);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries with { BatchSize = 2, MaxInFlight = 3 });

        Assert.Equal(20, fake.Received.Count);
        Assert.InRange(fake.MaxOutstanding, 2, 3);
        Assert.Equal(40, summary.Accepted);
    }

    [Fact]
    public async Task Replay_InvalidUtf16Line_IsRejectedLocallyAndNotSent()
    {
        var fake = new FakeIngestClient();
        byte[] bytes = [.. TestData.Utf16Le(TestData.Event() + "\r\n<Event>"), 0x00, 0xDC, .. Encoding.Unicode.GetBytes("</Event>\r\n")];
        var file = _dir.File("ps.xml", bytes);

        var summary = await new ReplayClient(fake).ReplayAsync([file], FastRetries);

        Assert.Single(Assert.Single(fake.Received).Events);
        var rejection = Assert.Single(summary.Rejected);
        Assert.Equal((2, RejectReason.InvalidEncoding), (rejection.Line, rejection.Reason));
        Assert.Equal((2L, 1L), (summary.Events, summary.Sent));
    }

    [Fact]
    public async Task Replay_ServerFailsTheCallWithFinalStatus_ThrowsWithStatusAndPartialSummary()
    {
        var calls = 0;
        var fake = new FakeIngestClient
        {
            Handler = b => ++calls < 2
                ? new BatchAck { BatchId = b.BatchId, Accepted = (uint)b.Events.Count }
                : throw new RpcException(new Status(StatusCode.PermissionDenied, "not this collector")),
        };
        var file = Utf8File("a.xml", 4);

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(
            () => new ReplayClient(fake).ReplayAsync([file], FastRetries with { BatchSize = 2, MaxInFlight = 1 }));

        Assert.Equal(StatusCode.PermissionDenied, ex.Status.StatusCode);
        Assert.Equal("not this collector", ex.Status.Detail);
        Assert.Equal(0, ex.Attempts);
        Assert.Equal(2, ex.Partial.Accepted);
        Assert.Equal(1, fake.Calls);
    }

    [Fact]
    public async Task Replay_AckForUnknownBatch_ThrowsProtocolFailure()
    {
        var fake = new FakeIngestClient { Handler = b => new BatchAck { BatchId = "nope" } };
        var file = Utf8File("a.xml", 1);

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(() => new ReplayClient(fake).ReplayAsync([file], FastRetries));

        Assert.Equal(StatusCode.Internal, ex.Status.StatusCode);
        Assert.Contains("'nope'", ex.Status.Detail);
    }

    [Fact]
    public async Task Replay_MissingFile_ThrowsFileNotFoundBeforeSending()
    {
        var fake = new FakeIngestClient();
        var present = Utf8File("a.xml", 1);

        await Assert.ThrowsAsync<FileNotFoundException>(
            () => new ReplayClient(fake).ReplayAsync([present, Path.Combine(_dir.Path, "missing.xml")], FastRetries));
        Assert.Empty(fake.Received);
    }

    [Fact]
    public async Task Replay_Cancelled_ThrowsOperationCanceled()
    {
        var fake = new FakeIngestClient { AckDelay = TimeSpan.FromSeconds(30) };
        var file = Utf8File("a.xml", 1);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new ReplayClient(fake).ReplayAsync([file], FastRetries, null, cts.Token));
    }

    [Fact]
    public async Task Replay_NoFiles_ReturnsEmptySummary()
    {
        var summary = await new ReplayClient(new FakeIngestClient()).ReplayAsync([], FastRetries);

        Assert.Equal((0, 0L, 0L), (summary.Files, summary.Events, summary.Accepted));
    }

    [Fact]
    public async Task Replay_Progress_EndsWithEverythingAcknowledged()
    {
        var reports = new List<ReplayProgress>();
        var file = Utf8File("a.xml", 5);

        await new ReplayClient(new FakeIngestClient()).ReplayAsync([file], FastRetries with { BatchSize = 2 }, new SyncProgress(reports.Add));

        var last = reports[^1];
        Assert.Equal(5, last.EventsAcknowledged);
        Assert.Equal(last.BytesTotal, last.BytesAcknowledged);
        Assert.Equal(new FileInfo(file).Length, last.BytesTotal);
    }

    [Fact]
    public async Task Replay_UnreachableServer_ThrowsUnavailable()
    {
        using var channel = GrpcChannel.ForAddress("http://127.0.0.1:1");
        var file = Utf8File("a.xml", 1);

        var ex = await Assert.ThrowsAsync<ReplayFailedException>(
            () => new ReplayClient(channel).ReplayAsync([file], FastRetries with { Reconnect = FastRetries.Reconnect with { MaxAttempts = 2 } }));

        Assert.Equal(StatusCode.Unavailable, ex.Status.StatusCode);
        Assert.Equal(2, ex.Attempts);
    }

    private sealed class SyncProgress(Action<ReplayProgress> report) : IProgress<ReplayProgress>
    {
        private readonly Lock _lock = new();

        public void Report(ReplayProgress value)
        {
            lock (_lock) report(value);
        }
    }
}
