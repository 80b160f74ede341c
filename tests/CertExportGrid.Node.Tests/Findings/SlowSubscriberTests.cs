using System.Diagnostics;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>
/// A subscriber that stops reading, over real HTTP/2 on loopback (so flow control really blocks the
/// server's writes): ingest completes; when it reads again it gets every update it missed from the
/// gateway's update log, or, when it fell further behind than the log holds, the documented
/// treatment (a Gap, then a snapshot); a reading subscriber next to it misses nothing. The ingest
/// rates with and without the stalled subscriber are printed, not asserted.
/// </summary>
public sealed class SlowSubscriberTests(ITestOutputHelper output)
{
    private const int Events = 20_000;
    private const int Keys = 1_000;

    [Fact]
    public async Task StalledSubscriberWithinLog_ReadsOnFromLog_MissesNothingAndGetsNoGap()
    {
        using var temp = new TempDirectory();
        // Buffer of 100, log of 100,000: the stalled subscriber is far behind its buffer, not the log.
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
            "--CertExportGrid:Subscribers:BufferSize=100");
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(node.Url);
        var client = new CertExportGrid.Contracts.V1.Findings.FindingsClient(channel);

        using var stalled = client.Subscribe(new SubscribeRequest());
        var rate = await IngestRateAsync(channel, firstRecordId: 1);
        output.WriteLine($"ingest: {rate:F0} events/s with a subscriber that is not reading");

        // Reading at last: every key's updates arrive with rising versions up to the final one.
        var versions = new Dictionary<(string, string), ulong>();
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var findings = await IngestDriver.ListAllAsync(channel);
        var final = findings.ToDictionary(finding => (finding.Dest, finding.Subject), finding => finding.Version);
        while (versions.Count < Keys || versions.Any(entry => entry.Value != final[entry.Key]))
        {
            Assert.True(await stalled.ResponseStream.MoveNext(patience.Token), "the stream ended early");
            var message = stalled.ResponseStream.Current;
            Assert.Equal(SubscribeResponse.KindOneofCase.Finding, message.KindCase);
            var key = (message.Finding.Dest, message.Finding.Subject);
            Assert.True(message.Finding.Version > versions.GetValueOrDefault(key), "a version went backwards");
            versions[key] = message.Finding.Version;
        }

        Assert.All(findings, finding => Assert.Equal(20ul, finding.Count));
    }

    [Fact]
    public async Task NeverReadingSubscriberBeyondLog_IngestUnaffected_GetsGapThenSnapshot()
    {
        using var temp = new TempDirectory();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
            "--CertExportGrid:Subscribers:BufferSize=100", "--CertExportGrid:Subscribers:ResumeLogSize=100");
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(node.Url);
        var client = new CertExportGrid.Contracts.V1.Findings.FindingsClient(channel);

        // Phase 1: one subscriber that keeps up. Phase 2: the same, plus one that never reads.
        using var reading = client.Subscribe(new SubscribeRequest());
        var readingCount = CountUpdatesAsync(reading.ResponseStream, expectedCount: 40);
        var withoutStalled = await IngestRateAsync(channel, firstRecordId: 1);
        using var stalled = client.Subscribe(new SubscribeRequest());
        var withStalled = await IngestRateAsync(channel, firstRecordId: Events + 1);
        output.WriteLine($"ingest: {withoutStalled:F0} events/s without, {withStalled:F0} events/s with a never-reading subscriber");

        // The stalled subscriber, reading at last, is told it missed updates and is resynchronised.
        var sawGap = false;
        var snapshotComplete = false;
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!snapshotComplete && await stalled.ResponseStream.MoveNext(patience.Token))
        {
            var message = stalled.ResponseStream.Current;
            sawGap |= message.KindCase == SubscribeResponse.KindOneofCase.Gap;
            snapshotComplete = sawGap && message.KindCase == SubscribeResponse.KindOneofCase.SnapshotComplete;
            if (snapshotComplete)
            {
                Assert.Equal((ulong)Keys, message.SnapshotComplete.Count);
            }
        }

        Assert.True(sawGap, "the stalled subscriber never got a Gap");
        Assert.True(snapshotComplete);
        var findings = await IngestDriver.ListAllAsync(channel);
        Assert.All(findings, finding => Assert.Equal(40ul, finding.Count));
        // The reading subscriber saw the final version of every key (updates are whole states).
        var finalVersions = await readingCount.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Keys, finalVersions.Count);
        Assert.All(findings, finding => Assert.Equal(finding.Version, finalVersions[(finding.Dest, finding.Subject)]));
    }

    private static async Task<double> IngestRateAsync(GrpcChannel channel, int firstRecordId)
    {
        var batches = Workload.Events(Events, Keys, firstRecordId).Chunk(500).Select((events, i) => IngestDriver.Batch($"b{i}", events)).ToList();
        var clock = Stopwatch.StartNew();
        var acks = await IngestDriver.SendAsync(channel, batches);
        clock.Stop();
        Assert.Equal(Events, acks.Sum(ack => (int)ack.Accepted - (int)ack.Duplicates));
        return Events / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Latest version per key, until every key reached <paramref name="expectedCount"/>.</summary>
    private static async Task<Dictionary<(string, string), ulong>> CountUpdatesAsync(Grpc.Core.IAsyncStreamReader<SubscribeResponse> stream, ulong expectedCount)
    {
        var versions = new Dictionary<(string, string), ulong>();
        var counts = new Dictionary<(string, string), ulong>();
        while (await stream.MoveNext(CancellationToken.None))
        {
            var finding = stream.Current.Finding;
            if (finding is null)
            {
                continue;
            }

            versions[(finding.Dest, finding.Subject)] = finding.Version;
            counts[(finding.Dest, finding.Subject)] = finding.Count;
            if (counts.Count == Keys && counts.Values.All(count => count == expectedCount))
            {
                return versions;
            }
        }

        return versions;
    }
}
