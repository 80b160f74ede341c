using CertExportGrid.Grains;
using CertExportGrid.Node.Findings;
using Microsoft.Extensions.Time.Testing;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>Per-key version order restored at the gateway, whatever order the messages arrived in.</summary>
public sealed class KeyOrdererTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Accept_SuccessorBeforePredecessor_ReleasesBothInOrder()
    {
        var orderer = new KeyOrderer(TimeSpan.FromMilliseconds(250), _clock);
        var released = new List<FindingSnapshot>();

        orderer.Accept(Update("a", 2), released);
        Assert.Empty(released);
        orderer.Accept(Update("a", 1), released);

        Assert.Equal([1L, 2L], released.Select(update => update.Version));
        Assert.Equal(0, orderer.Held);
    }

    [Fact]
    public void Accept_StaleOrRepeatedVersion_Dropped()
    {
        var orderer = new KeyOrderer(TimeSpan.FromMilliseconds(250), _clock);
        var released = new List<FindingSnapshot>();
        orderer.Accept(Update("a", 1), released);
        orderer.Accept(Update("a", 2), released);
        orderer.Accept(Update("a", 2), released);
        orderer.Accept(Update("a", 1), released);

        Assert.Equal([1L, 2L], released.Select(update => update.Version));
    }

    [Fact]
    public void ReleaseOverdue_PredecessorNeverArrives_ReleasesSuccessorAfterHold()
    {
        var orderer = new KeyOrderer(TimeSpan.FromMilliseconds(250), _clock);
        var released = new List<FindingSnapshot>();
        orderer.Accept(Update("a", 1), released);
        orderer.Accept(Update("a", 3), released);
        orderer.Accept(Update("a", 4), released);

        _clock.Advance(TimeSpan.FromMilliseconds(100));
        orderer.ReleaseOverdue(released);
        Assert.Equal([1L], released.Select(update => update.Version));

        _clock.Advance(TimeSpan.FromMilliseconds(200));
        orderer.ReleaseOverdue(released);
        Assert.Equal([1L, 3L, 4L], released.Select(update => update.Version));
        orderer.Accept(Update("a", 2), released);
        Assert.Equal(3, released.Count);
    }

    [Fact]
    public void Accept_KeysAreIndependent()
    {
        var orderer = new KeyOrderer(TimeSpan.FromMilliseconds(250), _clock);
        var released = new List<FindingSnapshot>();
        orderer.Accept(Update("a", 2), released);
        orderer.Accept(Update("b", 1), released);

        Assert.Equal([("b", 1L)], released.Select(update => (update.Subject, update.Version)));
        Assert.Equal(1, orderer.Held);
    }

    private static FindingSnapshot Update(string subject, long version) => SubscriberTests.Update(version, subject);
}
