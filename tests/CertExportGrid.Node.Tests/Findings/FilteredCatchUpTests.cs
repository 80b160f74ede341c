using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Findings;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Findings;

/// <summary>
/// A filtered subscription catching up from the update log, where the log ends in updates it does
/// not match: what it did read must reach the client at once, not wait in the stream's write buffer
/// for the next matching update (which, for a quiet host, may be hours away).
/// </summary>
public sealed class FilteredCatchUpTests() : NodeTestBase(new Dictionary<string, string?>
{
    // A buffer of 16 reads the log in chunks of 8: the missed matching updates below fill exactly one.
    ["CertExportGrid:Subscribers:BufferSize"] = "16",
})
{
    private const int Chunk = 8;

    [Fact]
    public async Task ResumedFilteredSubscriber_LogEndsInOtherHosts_ReceivesWhatItMissedPromptly()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var client = new FindingsClient(Channel);
        var request = new SubscribeRequest { Filter = new FindingFilter() };
        request.Filter.Dests.Add("WKS-WATCHED");

        // Subscribe once to learn a position, then leave.
        string position;
        var withSnapshot = request.Clone();
        withSnapshot.IncludeSnapshot = true;
        using (var first = client.Subscribe(withSnapshot, cancellationToken: cts.Token))
        {
            SubscribeResponse message;
            do
            {
                message = await NextAsync(first.ResponseStream, cts.Token);
            }
            while (message.KindCase != SubscribeResponse.KindOneofCase.SnapshotComplete);
            position = message.Position;
        }

        // Missed while away: one chunk of updates for the watched host, then only other hosts.
        var record = 0;
        for (var i = 0; i < Chunk; i++)
        {
            await SendAsync(new EventXml { Computer = "WKS-WATCHED", SubjectNames = [$"CN=w{i}"], RecordId = ++record });
        }

        for (var i = 0; i < 5; i++)
        {
            await SendAsync(new EventXml { Computer = "WKS-OTHER", SubjectNames = [$"CN=o{i}"], RecordId = ++record });
        }

        var broadcaster = Factory.Services.GetRequiredService<FindingsBroadcaster>();
        var after = broadcaster.Log.SequenceOf(position)!.Value;
        while (broadcaster.Log.Newest < after + Chunk + 5)
        {
            await Task.Delay(20, cts.Token);
        }

        using var resumed = client.Subscribe(new SubscribeRequest { Filter = request.Filter, ResumeFrom = position }, cancellationToken: cts.Token);
        var subjects = new List<string>();
        for (var i = 0; i < Chunk; i++)
        {
            var update = await NextAsync(resumed.ResponseStream, cts.Token);
            Assert.Equal("WKS-WATCHED", update.Finding.Dest);
            subjects.Add(update.Finding.Subject);
        }

        Assert.Equal(Enumerable.Range(0, Chunk).Select(i => $"CN=w{i}"), subjects);
    }

    private Task SendAsync(EventXml export) => IngestDriver.SendAsync(Channel, [IngestDriver.Batch($"r{export.RecordId}", [export.Render()])]);

    private static async Task<SubscribeResponse> NextAsync(IAsyncStreamReader<SubscribeResponse> stream, CancellationToken cancellationToken)
    {
        Assert.True(await stream.MoveNext(cancellationToken), "the stream ended early");
        return stream.Current;
    }
}
