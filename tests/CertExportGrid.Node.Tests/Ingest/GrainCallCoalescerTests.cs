using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;
using CertExportGrid.Node.Ingest;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>
/// Concurrent groups for one (dest, subject) share grain calls, and each submitter still learns
/// exactly its own accepted and duplicate counts.
/// </summary>
public sealed class GrainCallCoalescerTests : NodeTestBase
{
    [Fact]
    public async Task ConcurrentSubmissions_ShareWrites_AndEachGetsItsOwnDuplicates()
    {
        var coalescer = Factory.Services.GetRequiredService<GrainCallCoalescer>();
        var key = new FindingKey("host-a", "CN=coalesced").Encode();

        // 20 submissions of 5 events; submission i repeats the last event of submission i - 1.
        var submissions = Enumerable.Range(0, 20)
            .Select(i => Enumerable.Range(0, 5).Select(j => Observation(record: (i * 4) + j)).ToArray())
            .ToList();
        var results = await Task.WhenAll(submissions.Select(observations => coalescer.ApplyAsync(key, observations)));

        // The first goes alone; the other 19 wait for it and are merged, so far fewer writes than 20.
        var version = results.Max(result => result.Version);
        Assert.InRange(version, 2, 3);
        Assert.Equal((5, 0), (results[0].Applied, results[0].Duplicates));
        Assert.All(results.Skip(1), result =>
        {
            Assert.Equal((4, 1), (result.Applied, result.Duplicates));
            Assert.Equal([0], result.DuplicatePositions!);
        });

        var finding = await Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IExportFindingGrain>(key).GetFinding(includeRows: false);
        Assert.Equal(5 + (19 * 4), finding!.Count);
        Assert.Equal(0, coalescer.ActiveKeys);
    }

    [Fact]
    public void Split_GivesEachSubmissionThePositionsInItsOwnRange()
    {
        var group = new List<GrainCallCoalescer.Submission>
        {
            new([Observation(1), Observation(2)]),
            new([Observation(3)]),
            new([Observation(4), Observation(5), Observation(6)]),
        };

        GrainCallCoalescer.Split(new ApplyResult(3, 3, 9, [1, 4, 5]), group);

        var results = group.Select(submission => submission.Completion.Task.Result).ToList();
        Assert.Equal((1, 1, 9L), (results[0].Applied, results[0].Duplicates, results[0].Version));
        Assert.Equal([1], results[0].DuplicatePositions!);
        Assert.Equal((1, 0), (results[1].Applied, results[1].Duplicates));
        Assert.Null(results[1].DuplicatePositions);
        Assert.Equal((1, 2), (results[2].Applied, results[2].Duplicates));
        Assert.Equal([1, 2], results[2].DuplicatePositions!);
    }

    private static ExportObservation Observation(long record) => new()
    {
        UserDataXml = "<CertNotificationData />",
        TimeTicks = new DateTime(2024, 6, 5, 10, 0, 0, DateTimeKind.Utc).Ticks + record,
        ChannelCode = 1,
        Channel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
        RecordId = record,
        SubjectNames = ["CN=coalesced"],
    };
}
