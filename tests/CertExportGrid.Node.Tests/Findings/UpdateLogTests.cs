using CertExportGrid.Node.Findings;

namespace CertExportGrid.Node.Tests.Findings;

public sealed class UpdateLogTests
{
    [Fact]
    public void TryReadAfter_HeldPosition_ReturnsEveryLaterUpdateInOrder()
    {
        var log = new UpdateLog(capacity: 10);
        for (var i = 1; i <= 7; i++)
        {
            log.Append(SubscriberTests.Update(i));
        }

        var missed = new List<(long Sequence, CertExportGrid.Grains.FindingSnapshot Update)>();
        Assert.True(log.TryReadAfter(4, 100, _ => true, missed, out var readThrough));
        Assert.Equal([5L, 6L, 7L], missed.Select(entry => entry.Sequence));
        Assert.Equal([5L, 6L, 7L], missed.Select(entry => entry.Update.Version));
        Assert.Equal(7, readThrough);
    }

    [Fact]
    public void TryReadAfter_StopsAtMaxMatches_AndSaysHowFarItRead()
    {
        var log = new UpdateLog(capacity: 10);
        for (var i = 1; i <= 9; i++)
        {
            log.Append(SubscriberTests.Update(i, subject: i % 3 == 0 ? "a" : "b"));
        }

        var read = new List<(long Sequence, CertExportGrid.Grains.FindingSnapshot Update)>();
        Assert.True(log.TryReadAfter(0, 2, update => update.Subject == "a", read, out var readThrough));

        Assert.Equal([3L, 6L], read.Select(entry => entry.Sequence));
        Assert.Equal(6, readThrough);
    }

    [Fact]
    public void TryReadAfter_OverwrittenPosition_IsUnavailable()
    {
        var log = new UpdateLog(capacity: 4);
        for (var i = 1; i <= 10; i++)
        {
            log.Append(SubscriberTests.Update(i));
        }

        Assert.Equal(7, log.Oldest);
        var missed = new List<(long Sequence, CertExportGrid.Grains.FindingSnapshot Update)>();
        Assert.False(log.TryReadAfter(5, 100, _ => true, missed, out _));
        Assert.Empty(missed);
        Assert.True(log.TryReadAfter(6, 100, _ => true, missed, out _));
        Assert.Equal([7L, 8L, 9L, 10L], missed.Select(entry => entry.Sequence));
    }

    [Fact]
    public void TryReadAfter_FuturePosition_IsUnavailable() =>
        Assert.False(new UpdateLog(4).Holds(3));

    [Fact]
    public void SequenceOf_OwnPositionRoundTrips_OtherEpochIsMinusOne_GarbageIsNull()
    {
        var log = new UpdateLog(4);
        var other = new UpdateLog(4);

        Assert.Equal(42, log.SequenceOf(log.PositionOf(42)));
        Assert.Equal(-1, log.SequenceOf(other.PositionOf(42)));
        Assert.Null(log.SequenceOf("not-a-position"));
        Assert.Null(log.SequenceOf($"{log.Epoch}.-3"));
    }
}
