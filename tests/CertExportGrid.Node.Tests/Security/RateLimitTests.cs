using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using IngestClient = CertExportGrid.Contracts.V1.Ingest.IngestClient;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>Events over a budget are rejected one by one as RATE_LIMITED (retryable); the stream stays open.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task StreamBudget_Exceeded_TailOfBatchRateLimitedRetryable_StreamKeepsWorking()
    {
        await using var factory = new NodeFactory(new Dictionary<string, string?>
        {
            ["CertExportGrid:Ingest:RateLimits:StreamEventsPerSecond"] = "2",
            ["CertExportGrid:Ingest:RateLimits:StreamBurst"] = "5",
        });
        using var channel = factory.CreateChannel();
        using var call = new IngestClient(channel).StreamEvents();

        var ack = await IngestDriver.RoundTripAsync(call, "a", Enumerable.Range(1, 8).Select(i => new EventXml { RecordId = i }));

        Assert.Equal(5u, ack.Accepted);
        Assert.Equal([5u, 6u, 7u], ack.Rejected.Select(r => r.Index));
        Assert.All(ack.Rejected, r =>
        {
            Assert.Equal(RejectReason.RateLimited, r.Reason);
            Assert.True(r.Retryable);
            Assert.StartsWith("Rate limited: stream limit 2 events/s, burst 5 (CertExportGrid:Ingest:RateLimits:StreamEventsPerSecond, StreamBurst); 3 event(s) of this batch over it, each with its own retry time as the budget refills: after ", r.Message, StringComparison.Ordinal);
        });
        // Each refused event has its own slot at 2 events/s: 0.5, 1 and 1.5 s (less the few ms of refill since).
        Assert.Collection(ack.Rejected,
            r => Assert.InRange(r.RetryAfterMs, 400u, 500u),
            r => Assert.InRange(r.RetryAfterMs, 900u, 1_000u),
            r => Assert.InRange(r.RetryAfterMs, 1_400u, 1_500u));

        // The budget refills (2 events/s): the same stream takes the retried event.
        await Task.Delay(600);
        var retried = await IngestDriver.RoundTripAsync(call, "b", [new EventXml { RecordId = 6 }]);
        Assert.Equal(1u, retried.Accepted);
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task IdentityBudget_SharedAcrossStreams()
    {
        await using var factory = new NodeFactory(new Dictionary<string, string?>
        {
            ["CertExportGrid:Ingest:RateLimits:IdentityEventsPerSecond"] = "0.5",
            ["CertExportGrid:Ingest:RateLimits:IdentityBurst"] = "4",
        });
        using var channel = factory.CreateChannel();

        var first = (await IngestDriver.SendAsync(channel, [IngestDriver.Batch("1", Enumerable.Range(1, 3).Select(i => new EventXml { RecordId = i }.Render()))]))[0];
        var second = (await IngestDriver.SendAsync(channel, [IngestDriver.Batch("2", Enumerable.Range(4, 3).Select(i => new EventXml { RecordId = i }.Render()))]))[0];

        Assert.Equal(3u, first.Accepted);
        Assert.Equal(1u, second.Accepted);
        Assert.Equal([1u, 2u], second.Rejected.Select(r => r.Index));
        Assert.All(second.Rejected, r => Assert.Contains("identity 'local'", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyBudget_OneHotKeyLimited_OtherKeysInTheSameBatchApplied()
    {
        await using var factory = new NodeFactory(new Dictionary<string, string?>
        {
            ["CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond"] = "0.5",
            ["CertExportGrid:Ingest:RateLimits:KeyBurst"] = "3",
        });
        using var channel = factory.CreateChannel();
        var hot = Enumerable.Range(1, 5).Select(i => new EventXml { Computer = "HOT-01", RecordId = i });
        var cold = Enumerable.Range(1, 2).Select(i => new EventXml { Computer = "COLD-01", RecordId = i });

        var sinceFirst = System.Diagnostics.Stopwatch.StartNew(); // started before the first refusal: bounds the time between the two
        var ack = await IngestDriver.SendBatchAsync(channel, "b", hot.Concat(cold));

        Assert.Equal(5u, ack.Accepted);
        Assert.Equal([3u, 4u], ack.Rejected.Select(r => r.Index));
        Assert.All(ack.Rejected, r => Assert.Equal((RejectReason.RateLimited, true), (r.Reason, r.Retryable)));
        // Two refused at 0.5 events/s from an empty budget: the first is due in 2 s, the second in 4 s.
        Assert.All(ack.Rejected, r => Assert.Equal(
            "Rate limited: key limit 0.5 events/s, burst 3 per (dest, subject) (CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond, KeyBurst); 2 event(s) of this batch over it, each with its own retry time as the budget refills: after 2000 to 4000 ms.",
            r.Message));
        Assert.Equal([2_000u, 4_000u], ack.Rejected.Select(r => r.RetryAfterMs));
        // Refused right after: booked behind those two, not on the same slots.
        var next = await IngestDriver.SendBatchAsync(channel, "c", Enumerable.Range(6, 2).Select(i => new EventXml { Computer = "HOT-01", RecordId = i }));
        var elapsed = (uint)sinceFirst.ElapsedMilliseconds;
        // Slots 6 s and 8 s after the first refusal, less the time since; the tokens refilled
        // meanwhile belong to the two booked before.
        Assert.Collection(next.Rejected,
            r => Assert.InRange(r.RetryAfterMs, 6_000u - elapsed - 1, 6_000u),
            r => Assert.InRange(r.RetryAfterMs, 8_000u - elapsed - 1, 8_000u));
        var findings = await IngestDriver.ListAllAsync(channel);
        Assert.Equal([("COLD-01", 2ul), ("HOT-01", 3ul)], findings.Select(f => (f.Dest, f.Count)));
    }

    [Fact]
    public async Task KeyLimit_EveryEventOfAKeyRejected_OtherKeysOfTheBatchStillApplied()
    {
        await using var factory = new NodeFactory(new Dictionary<string, string?>
        {
            ["CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond"] = "0.01", // no refill within the test
            ["CertExportGrid:Ingest:RateLimits:KeyBurst"] = "1",
        });
        using var channel = factory.CreateChannel();
        var first = await IngestDriver.SendBatchAsync(channel, "a", [new EventXml { Computer = "HOT-02", RecordId = 1 }]);
        Assert.Equal(1u, first.Accepted);

        // HOT-02 has no budget left: all of its events are refused, and the batch's other key is not affected.
        var ack = await IngestDriver.SendBatchAsync(channel, "b",
        [
            new EventXml { Computer = "HOT-02", RecordId = 2 },
            new EventXml { Computer = "COLD-02", RecordId = 1 },
            new EventXml { Computer = "HOT-02", RecordId = 3 },
        ]);

        Assert.Equal(1u, ack.Accepted);
        Assert.Equal([0u, 2u], ack.Rejected.Select(r => r.Index));
        Assert.All(ack.Rejected, r => Assert.Equal((RejectReason.RateLimited, true), (r.Reason, r.Retryable)));
        // At 0.01 events/s the slots are about 100 s apart.
        Assert.Collection(ack.Rejected,
            r => Assert.InRange(r.RetryAfterMs, 99_000u, 100_000u),
            r => Assert.InRange(r.RetryAfterMs, 199_000u, 200_000u));
        var findings = await IngestDriver.ListAllAsync(channel);
        Assert.Equal([("COLD-02", 1ul), ("HOT-02", 1ul)], findings.Select(f => (f.Dest, f.Count)));
    }
}
