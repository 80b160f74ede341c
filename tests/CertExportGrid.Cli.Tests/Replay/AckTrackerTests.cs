using CertExportGrid.Cli.Replay;
using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Cli.Tests.Replay;

public class AckTrackerTests
{
    private static List<PendingEvent> Events(string file, params int[] lines) =>
        [.. lines.Select(l => new PendingEvent(file, l, new Event { Xml = $"<Event>{l}</Event>" }))];

    [Fact]
    public void Complete_AcksOutOfOrder_MatchesEachByBatchId()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1, 2), endPosition: 100);
        tracker.Register("2", Events("a.xml", 3), endPosition: 200);

        var second = tracker.Complete(new BatchAck { BatchId = "2", Accepted = 1 });
        var first = tracker.Complete(new BatchAck { BatchId = "1", Accepted = 1, Duplicates = 1, Ignored = 1 });

        Assert.Equal((1, 1u, 200L), (second.Events, second.Accepted, second.EndPosition));
        Assert.Equal((2, 1u, 1u, 1u, 100L), (first.Events, first.Accepted, first.Duplicates, first.Ignored, first.EndPosition));
        Assert.Equal(0, tracker.InFlight);
    }

    [Fact]
    public void Complete_Rejection_TranslatesIndexToFileAndLine()
    {
        var tracker = new AckTracker();
        tracker.Register("7", [.. Events("a.xml", 4, 9), .. Events("b.xml", 2)]);
        var ack = new BatchAck { BatchId = "7", Accepted = 1 };
        ack.Rejected.Add(new EventRejection { Index = 1, Reason = RejectReason.NotWellFormed, Message = "unexpected end" });
        ack.Rejected.Add(new EventRejection { Index = 2, Reason = RejectReason.DtdProhibited, Message = "DOCTYPE" });

        var outcome = tracker.Complete(ack);

        Assert.Equal(
            [("a.xml", 9, RejectReason.NotWellFormed, "unexpected end"), ("b.xml", 2, RejectReason.DtdProhibited, "DOCTYPE")],
            outcome.Rejected.Select(r => (r.Event.File, r.Event.Line, r.Reason, r.Message)));
        Assert.All(outcome.Rejected, r => Assert.False(r.Retryable));
    }

    [Theory]
    [InlineData(RejectReason.Unavailable, false, true)]
    [InlineData(RejectReason.TooLarge, true, true)]
    [InlineData(RejectReason.TooLarge, false, false)]
    public void Complete_RetryableFlagOrUnavailableReason_MarksRetryable(RejectReason reason, bool flag, bool expected)
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1));
        var ack = new BatchAck { BatchId = "1" };
        ack.Rejected.Add(new EventRejection { Index = 0, Reason = reason, Retryable = flag });

        Assert.Equal(expected, Assert.Single(tracker.Complete(ack).Rejected).Retryable);
    }

    [Fact]
    public void Complete_UnknownBatchId_ThrowsProtocolException()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1));

        var ex = Assert.Throws<AckProtocolException>(() => tracker.Complete(new BatchAck { BatchId = "2" }));
        Assert.Contains("'2'", ex.Message);
        Assert.Equal(1, tracker.InFlight);
    }

    [Fact]
    public void Complete_SameBatchTwice_ThrowsOnTheSecond()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1));
        tracker.Complete(new BatchAck { BatchId = "1", Accepted = 1 });

        Assert.Throws<AckProtocolException>(() => tracker.Complete(new BatchAck { BatchId = "1", Accepted = 1 }));
    }

    [Fact]
    public void Complete_RejectionIndexOutOfRange_ThrowsProtocolException()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1, 2));
        var ack = new BatchAck { BatchId = "1" };
        ack.Rejected.Add(new EventRejection { Index = 2 });

        var ex = Assert.Throws<AckProtocolException>(() => tracker.Complete(ack));
        Assert.Contains("index 2", ex.Message);
    }

    [Fact]
    public void Register_SameIdTwice_Throws()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1));

        Assert.Throws<InvalidOperationException>(() => tracker.Register("1", Events("a.xml", 2)));
    }

    [Fact]
    public void PendingBatchIds_ListsUnacknowledgedBatches()
    {
        var tracker = new AckTracker();
        tracker.Register("1", Events("a.xml", 1));
        tracker.Register("2", Events("a.xml", 2));
        tracker.Complete(new BatchAck { BatchId = "1", Accepted = 1 });

        Assert.Equal(["2"], tracker.PendingBatchIds());
        Assert.Equal(1, tracker.InFlight);
    }
}
