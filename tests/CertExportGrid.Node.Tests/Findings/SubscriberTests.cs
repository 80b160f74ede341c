using CertExportGrid.Grains;
using CertExportGrid.Node.Findings;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>The per-subscriber buffer: bounded, never blocking, overflow visible as a gap.</summary>
public sealed class SubscriberTests
{
    [Fact]
    public async Task Offer_BeyondCapacity_DropsBufferAndSignalsGapWithCountAndLastSequence()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 3);
        for (var version = 1; version <= 5; version++)
        {
            subscriber.Offer(version, Update(version));
        }

        var gap = await subscriber.NextAsync(CancellationToken.None);

        Assert.True(gap.IsGap);
        Assert.Equal((5L, 5L), (gap.Dropped, gap.Sequence));
        // The gap replaced everything buffered: nothing else is waiting.
        Assert.False(subscriber.NextAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Offer_AfterGapConsumed_DeliversAgainInOrder()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 2);
        subscriber.Offer(1, Update(1));
        subscriber.Offer(2, Update(2));
        Assert.False(subscriber.Offer(3, Update(3)));
        _ = await subscriber.NextAsync(CancellationToken.None);

        Assert.True(subscriber.Offer(4, Update(4)));
        Assert.True(subscriber.Offer(5, Update(5)));
        var first = await subscriber.NextAsync(CancellationToken.None);
        var second = await subscriber.NextAsync(CancellationToken.None);

        Assert.Equal((4L, 4L, false), (first.Sequence, first.Update!.Version, first.IsGap));
        Assert.Equal(5L, second.Update!.Version);
    }

    [Fact]
    public async Task Preload_LargerThanCapacity_DeliveredWholeBeforeLiveUpdates()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 2);
        subscriber.Preload(Enumerable.Range(1, 5).Select(i => ((long)i, Update(i))));
        Assert.True(subscriber.Offer(6, Update(6)));

        var sequences = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            sequences.Add((await subscriber.NextAsync(CancellationToken.None)).Sequence);
        }

        Assert.Equal([1, 2, 3, 4, 5, 6], sequences);
    }

    [Fact]
    public async Task NextAsync_WaitsUntilOffered()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 4);
        var pending = subscriber.NextAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);

        subscriber.Offer(9, Update(9));

        var item = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(9L, item.Update!.Version);
    }

    internal static FindingSnapshot Update(long version, string subject = "s") => new()
    {
        Dest = "d",
        Subject = subject,
        Count = version,
        FirstTicks = 0,
        LastTicks = 0,
        Version = version,
        SubjectNames = [subject],
        LastExport = new ExportDetails(),
        RowCount = 1,
        Rule = new RuleReference { Id = "r", Name = "r", Version = 1, MitreAttackIds = [], RiskScore = 20, AnalyticStory = "", Type = "Anomaly" },
        RiskMessage = "",
    };
}
