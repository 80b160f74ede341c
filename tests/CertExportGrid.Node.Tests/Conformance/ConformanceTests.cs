using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;

namespace CertExportGrid.Node.Tests.Conformance;

/// <summary>
/// Every case of Cases/ through the real ingest path (gRPC bidirectional stream into the co-hosted
/// silo), asserting the exact findings and the exact rejected lines.
/// </summary>
public sealed class ConformanceTests
{
    public static TheoryData<string, SendMode> Cases()
    {
        var data = new TheoryData<string, SendMode>();
        foreach (var name in ConformanceCase.Names())
        {
            data.Add(name, SendMode.OneBatch);
            data.Add(name, SendMode.ConcurrentSingleEventBatches);
        }

        return data;
    }

    public enum SendMode
    {
        /// <summary>The whole file as one batch on one stream.</summary>
        OneBatch,

        /// <summary>One event per batch, spread over four streams sending at once (races per key).</summary>
        ConcurrentSingleEventBatches,
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_ProducesExactFindingsAndRejections(string name, SendMode mode)
    {
        var testCase = ConformanceCase.Load(name);
        await using var factory = new NodeFactory();
        using var channel = factory.CreateChannel();

        var rejectedLines = mode == SendMode.OneBatch
            ? await SendOneBatchAsync(channel, testCase)
            : await SendConcurrentlyAsync(channel, testCase);

        Assert.Equal(testCase.RejectedLines.Order(), rejectedLines.Order());
        var actual = (await IngestDriver.ListAllAsync(channel))
            .Select(finding => new ExpectedFinding(finding.Dest, finding.Subject, (long)finding.Count, finding.FirstTime.ToDateTime(), finding.LastTime.ToDateTime()))
            .OrderBy(finding => finding.Dest, StringComparer.Ordinal).ThenBy(finding => finding.Subject, StringComparer.Ordinal)
            .ToList();
        var expected = testCase.Findings
            .OrderBy(finding => finding.Dest, StringComparer.Ordinal).ThenBy(finding => finding.Subject, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(expected, actual);
    }

    private static async Task<IReadOnlyList<int>> SendOneBatchAsync(Grpc.Net.Client.GrpcChannel channel, ConformanceCase testCase)
    {
        var acks = await IngestDriver.SendAsync(channel, [IngestDriver.Batch("all", testCase.Lines)]);
        var ack = Assert.Single(acks);
        Assert.Equal("all", ack.BatchId);
        Assert.All(ack.Rejected, rejection => Assert.NotEmpty(rejection.Message));
        Assert.Equal(testCase.Lines.Count, (int)(ack.Accepted + ack.Ignored) + ack.Rejected.Count);
        return [.. ack.Rejected.Select(rejection => (int)rejection.Index + 1)];
    }

    private static async Task<IReadOnlyList<int>> SendConcurrentlyAsync(Grpc.Net.Client.GrpcChannel channel, ConformanceCase testCase)
    {
        const int Streams = 4;
        var perStream = Enumerable.Range(0, Streams)
            .Select(stream => Enumerable.Range(0, testCase.Lines.Count).Where(line => line % Streams == stream).ToList())
            .ToList();
        var acks = await Task.WhenAll(perStream.Select(lines => IngestDriver.SendAsync(
            channel,
            lines.Select(line => IngestDriver.Batch($"line-{line + 1}", [testCase.Lines[line]])))));
        var all = acks.SelectMany(ack => ack).ToList();
        Assert.Equal(testCase.Lines.Count, all.Count);
        return [.. all.Where(ack => ack.Rejected.Count > 0).Select(ack => int.Parse(ack.BatchId["line-".Length..], System.Globalization.CultureInfo.InvariantCulture))];
    }
}
