using CertExportGrid.Grains;
using CertExportGrid.Node.Findings;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>The per-subscriber buffer: bounded, never blocking, overflow visible as a gap.</summary>
public sealed class SubscriberTests
{
    [Fact]
    public async Task Offer_BeyondCapacity_DropsBufferAndSignalsGapWithCount()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 3);
        for (var version = 1; version <= 5; version++)
        {
            subscriber.Offer(Update(version));
        }

        var (update, dropped) = await subscriber.NextAsync(CancellationToken.None);

        Assert.Null(update);
        Assert.Equal(5, dropped);
        Assert.True(subscriber.IsIdle);
    }

    [Fact]
    public async Task Offer_AfterGapConsumed_DeliversAgainInOrder()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 2);
        subscriber.Offer(Update(1));
        subscriber.Offer(Update(2));
        Assert.False(subscriber.Offer(Update(3)));
        _ = await subscriber.NextAsync(CancellationToken.None);

        Assert.True(subscriber.Offer(Update(4)));
        Assert.True(subscriber.Offer(Update(5)));
        var first = await subscriber.NextAsync(CancellationToken.None);
        var second = await subscriber.NextAsync(CancellationToken.None);

        Assert.Equal((4L, (long?)null), (first.Update!.Version, first.Dropped));
        Assert.Equal(5L, second.Update!.Version);
    }

    [Fact]
    public async Task NextAsync_WaitsUntilOffered()
    {
        var subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 4);
        var pending = subscriber.NextAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);

        subscriber.Offer(Update(9));

        var (update, _) = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(9L, update!.Version);
    }

    private static FindingSnapshot Update(long version) => new()
    {
        Dest = "d",
        Subject = "s",
        Count = version,
        FirstTicks = 0,
        LastTicks = 0,
        Version = version,
        SubjectNames = ["s"],
        LastExport = new ExportDetails(),
        RowCount = 1,
        Rule = new RuleReference { Id = "r", Name = "r", Version = 1, MitreAttackIds = [], RiskScore = 20, AnalyticStory = "", Type = "Anomaly" },
        RiskMessage = "",
    };
}
