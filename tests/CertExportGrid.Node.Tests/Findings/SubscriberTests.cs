using CertExportGrid.Grains;
using CertExportGrid.Node.Findings;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>
/// The per-subscriber buffer: bounded and never blocking; a subscriber behind its buffer reads on
/// from the update log, and only one behind the log gets a gap.
/// </summary>
public sealed class SubscriberTests
{
    private readonly Lock _logGate = new();

    [Fact]
    public async Task BeyondCapacity_WithinLog_DeliversEveryUpdateInOrderWithoutGap()
    {
        var log = new UpdateLog(capacity: 100);
        var subscriber = Subscribe(log, capacity: 3);
        Publish(log, subscriber, 1, 2, 3, 4, 5, 6, 7);

        var items = await TakeAsync(subscriber, 7);

        Assert.DoesNotContain(items, item => item.IsGap);
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], items.Select(item => item.Sequence));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], items.Select(item => item.Update!.Version));
        await AssertWaits(subscriber);
    }

    [Fact]
    public async Task BehindThenCaughtUp_RejoinsLiveUpdates()
    {
        var log = new UpdateLog(capacity: 100);
        var subscriber = Subscribe(log, capacity: 2);
        Publish(log, subscriber, 1, 2, 3, 4);
        _ = await TakeAsync(subscriber, 4);

        // Caught up: the next update is queued live again, and a waiting reader is woken for it.
        var pending = subscriber.NextAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);
        Assert.True(PublishOne(log, subscriber, 5));

        var live = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((5L, 5L), (live.Sequence, live.Update!.Version));
    }

    [Fact]
    public async Task Behind_ReadsOnlyMatchingUpdatesFromLog()
    {
        var log = new UpdateLog(capacity: 100);
        var subscriber = Subscribe(log, capacity: 2, new FindingMatcher(new() { Subjects = { "a" } }));
        for (var version = 1; version <= 8; version++)
        {
            lock (_logGate)
            {
                var update = Update(version, subject: version % 2 == 0 ? "a" : "b");
                var sequence = log.Append(update);
                if (subscriber.Matcher.Matches(update))
                {
                    subscriber.Offer(sequence, update);
                }
            }
        }

        var items = await TakeAsync(subscriber, 4);

        Assert.Equal([2L, 4, 6, 8], items.Select(item => item.Update!.Version));
        Assert.All(items, item => Assert.Equal("a", item.Update!.Subject));
    }

    [Fact]
    public async Task BehindFurtherThanLogHolds_SignalsGapWithCountAndNewestSequence_ThenLiveAgain()
    {
        var log = new UpdateLog(capacity: 4);
        var subscriber = Subscribe(log, capacity: 2);
        Publish(log, subscriber, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

        var gap = await subscriber.NextAsync(CancellationToken.None);

        Assert.True(gap.IsGap);
        // All ten were offered and none was taken; a snapshot read now covers up to sequence 10.
        Assert.Equal((10L, 10L), (gap.Dropped, gap.Sequence));
        await AssertWaits(subscriber);

        Assert.True(PublishOne(log, subscriber, 11));
        var next = await subscriber.NextAsync(CancellationToken.None);
        Assert.Equal((11L, false), (next.Update!.Version, next.IsGap));
    }

    [Fact]
    public async Task GapCount_LeavesOutWhatWasDeliveredBeforeFallingBehind()
    {
        var log = new UpdateLog(capacity: 4);
        var subscriber = Subscribe(log, capacity: 2);
        Publish(log, subscriber, 1, 2);
        _ = await TakeAsync(subscriber, 2);
        Publish(log, subscriber, 3, 4, 5, 6, 7, 8, 9);

        var gap = await subscriber.NextAsync(CancellationToken.None);

        Assert.Equal((7L, 9L), (gap.Dropped, gap.Sequence));
    }

    [Fact]
    public async Task StartedBehind_ResumesWithLoggedUpdatesBeforeLiveOnes()
    {
        var log = new UpdateLog(capacity: 100);
        lock (_logGate)
        {
            for (var version = 1; version <= 5; version++)
            {
                log.Append(Update(version));
            }
        }

        Subscriber subscriber;
        lock (_logGate)
        {
            subscriber = new Subscriber(1, new FindingMatcher(null), capacity: 2, log, _logGate, startAfter: 2);
        }

        Publish(log, subscriber, 6);
        var items = await TakeAsync(subscriber, 4);

        Assert.Equal([3L, 4, 5, 6], items.Select(item => item.Sequence));
    }

    [Fact]
    public async Task NextAsync_WaitsUntilOffered()
    {
        var log = new UpdateLog(capacity: 100);
        var subscriber = Subscribe(log, capacity: 4);
        var pending = subscriber.NextAsync(CancellationToken.None);
        Assert.False(pending.IsCompleted);

        Publish(log, subscriber, 9);

        var item = await pending.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(9L, item.Update!.Version);
    }

    [Fact]
    public async Task FilteredBehind_LogEndsInUpdatesItDoesNotMatch_WaitsRightAfterTheLastMatch()
    {
        var log = new UpdateLog(capacity: 100);
        var filter = new CertExportGrid.Contracts.V1.FindingFilter();
        filter.Subjects.Add("watched");
        lock (_logGate)
        {
            // Exactly one read chunk (half of capacity 4) of matching updates, then only others.
            log.Append(Update(1, "watched"));
            log.Append(Update(2, "watched"));
            for (var version = 3; version <= 5; version++)
            {
                log.Append(Update(version, "other"));
            }
        }

        Subscriber subscriber;
        lock (_logGate)
        {
            subscriber = new Subscriber(1, new FindingMatcher(filter), capacity: 4, log, _logGate, startAfter: 0);
        }

        var items = await TakeAsync(subscriber, 2);

        Assert.Equal([1L, 2], items.Select(item => item.Sequence));
        // The writer flushes exactly when the next call waits: here, with nothing more to send.
        await AssertWaits(subscriber);
    }

    /// <summary>The next call waits for a new update (and gives up when cancelled).</summary>
    private static async Task AssertWaits(Subscriber subscriber)
    {
        using var stop = new CancellationTokenSource();
        var pending = subscriber.NextAsync(stop.Token);
        Assert.False(pending.IsCompleted, "NextAsync had an item ready");
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    private Subscriber Subscribe(UpdateLog log, int capacity, FindingMatcher? matcher = null)
    {
        lock (_logGate)
        {
            return new Subscriber(1, matcher ?? new FindingMatcher(null), capacity, log, _logGate, log.Newest);
        }
    }

    /// <summary>What the fan-out does: append to the log and offer, under the log's lock.</summary>
    private void Publish(UpdateLog log, Subscriber subscriber, params long[] versions)
    {
        foreach (var version in versions)
        {
            PublishOne(log, subscriber, version);
        }
    }

    private bool PublishOne(UpdateLog log, Subscriber subscriber, long version)
    {
        lock (_logGate)
        {
            var update = Update(version);
            return subscriber.Offer(log.Append(update), update);
        }
    }

    private static async Task<List<SubscriberItem>> TakeAsync(Subscriber subscriber, int count)
    {
        var items = new List<SubscriberItem>();
        for (var i = 0; i < count; i++)
        {
            items.Add(await subscriber.NextAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        }

        return items;
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
