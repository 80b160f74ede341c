using System.Diagnostics;
using System.Globalization;
using System.Text;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>
/// 10,000 generated malformed or hostile events interleaved with good ones through real gRPC
/// ingest: the server stays up, every event gets an outcome, memory stays bounded, and the good
/// events are counted exactly (hostile events aimed at the good hosts must all be refused).
/// </summary>
[Collection(ProcessWideMeasurementCollection.Name)]
public sealed class HostileInputFuzzTests(ITestOutputHelper output) : NodeTestBase(new Dictionary<string, string?>
{
    ["CertExportGrid:Ingest:RateLimits:KeyBurst"] = "1000000",
})
{
    private const int HostileCount = 10_000;
    private const int GoodEvery = 5;

    [Fact]
    public async Task TenThousandHostileEvents_InterleavedWithGood_EveryEventAnswered_GoodCountedExactly_MemoryBounded()
    {
        var random = new Random(20240601);
        var batches = new List<(EventBatch Batch, HashSet<int> Good)>();
        var expected = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var hostileKinds = new Dictionary<string, int>(StringComparer.Ordinal);
        var batch = NewBatch(0);
        var hostile = 0;
        var good = 0;
        while (hostile < HostileCount)
        {
            if (hostile % GoodEvery == 0)
            {
                var dest = $"GOOD-{(good % 40).ToString("D2", CultureInfo.InvariantCulture)}";
                batch.Good.Add(batch.Batch.Events.Count);
                batch.Batch.Events.Add(new Event { Xml = new EventXml { Computer = dest, RecordId = 1_000_000 + good, SystemTime = Time(good) }.Render() });
                expected[dest] = expected.GetValueOrDefault(dest) + 1;
                good++;
            }

            var (kind, wire) = Hostile(random, hostile);
            hostileKinds[kind] = hostileKinds.GetValueOrDefault(kind) + 1;
            batch.Batch.Events.Add(wire);
            hostile++;
            if (batch.Batch.Events.Count >= 250)
            {
                batches.Add(batch);
                batch = NewBatch(batches.Count);
            }
        }

        batches.Add(batch);
        var before = Measure();
        var started = Stopwatch.GetTimestamp();

        var acks = await IngestDriver.SendAsync(Channel, batches.Select(b => b.Batch));

        var elapsed = Stopwatch.GetElapsedTime(started);
        var after = Measure();
        Assert.Equal(batches.Count, acks.Count);
        var reasons = new Dictionary<RejectReason, int>();
        for (var i = 0; i < acks.Count; i++)
        {
            var ack = acks[i];
            var sent = batches[i];
            Assert.Equal(sent.Batch.BatchId, ack.BatchId);
            Assert.Equal(sent.Batch.Events.Count, (int)(ack.Accepted + ack.Ignored + (uint)ack.Rejected.Count));
            Assert.All(ack.Rejected, rejection =>
            {
                Assert.DoesNotContain((int)rejection.Index, sent.Good);
                Assert.NotEqual(RejectReason.Unspecified, rejection.Reason);
                Assert.False(rejection.Retryable, $"{rejection.Reason}: {rejection.Message}");
                reasons[rejection.Reason] = reasons.GetValueOrDefault(rejection.Reason) + 1;
            });
        }

        var findings = await IngestDriver.ListAllAsync(Channel);
        var counted = findings.Where(f => f.Dest.StartsWith("GOOD-", StringComparison.Ordinal)).ToDictionary(f => f.Dest, f => f.Count, StringComparer.Ordinal);
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), counted.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.All(findings.Where(f => f.Dest.StartsWith("GOOD-", StringComparison.Ordinal)), f => Assert.Single(f.SubjectNames));

        output.WriteLine($"{hostile} hostile + {good} good events in {batches.Count} batches, {elapsed.TotalSeconds:F1} s");
        output.WriteLine("generated: " + string.Join(", ", hostileKinds.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
        output.WriteLine("rejected: " + string.Join(", ", reasons.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}")));
        output.WriteLine($"managed heap {before.Heap / 1_048_576.0:F1} -> {after.Heap / 1_048_576.0:F1} MiB, working set {before.WorkingSet / 1_048_576.0:F1} -> {after.WorkingSet / 1_048_576.0:F1} MiB");
        // Generous bound: the batches themselves are ~60 MiB on the wire; what matters is no runaway growth.
        Assert.True(after.Heap - before.Heap < 256L * 1_048_576, $"managed heap grew by {(after.Heap - before.Heap) / 1_048_576} MiB");
        Assert.True(reasons.Count >= 6, "the generators should exercise most rejection reasons");
    }

    private static (EventBatch Batch, HashSet<int> Good) NewBatch(int number) =>
        (new EventBatch { BatchId = "fuzz-" + number.ToString(CultureInfo.InvariantCulture) }, []);

    private static string Time(int i) =>
        new DateTime(2024, 8, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(i * 10_000_019L).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static (long Heap, long WorkingSet) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return (GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet);
    }

    /// <summary>One hostile event. Those that could be well-formed target HOSTILE-* hosts; the malformed ones aim at the good hosts.</summary>
    private static (string Kind, Event Wire) Hostile(Random random, int n)
    {
        var target = new EventXml { Computer = $"GOOD-{(n % 40).ToString("D2", CultureInfo.InvariantCulture)}", RecordId = n, SystemTime = Time(n) };
        var xml = target.Render();
        switch (random.Next(14))
        {
            case 0:
                return ("truncated", Text(xml[..random.Next(0, xml.Length - 1)]));
            case 1:
                return ("billion-laughs", Text("<?xml version='1.0'?><!DOCTYPE Event [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'><!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>" + xml.Replace("CN=test-cert", "&c;", StringComparison.Ordinal)));
            case 2:
                return ("external-entity", Text("<!DOCTYPE Event [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + xml.Replace("CN=test-cert", "&x;", StringComparison.Ordinal)));
            case 3:
                return ("undefined-entity", Text(xml.Replace("CN=test-cert", "&undefined;&#xD800;", StringComparison.Ordinal)));
            case 4:
                return ("huge-attribute", Text(xml.Replace("<Context>", $"<Context pad='{new string('A', 70_000 + random.Next(10_000))}'>", StringComparison.Ordinal)));
            case 5:
                var depth = random.Next(40, 5_000);
                return ("deep-nesting", Text(xml.Replace("<UserData>", "<UserData>" + string.Concat(Enumerable.Repeat("<d>", depth)) + string.Concat(Enumerable.Repeat("</d>", depth)), StringComparison.Ordinal)));
            case 6:
                var bytes = Encoding.UTF8.GetBytes(xml);
                var at = random.Next(bytes.Length);
                bytes[at] = (byte)(random.Next(2) == 0 ? 0xC3 : 0xFF);
                if (at + 1 < bytes.Length)
                {
                    bytes[at + 1] = 0x28;
                }

                return ("invalid-utf8", new Event { XmlUtf8 = ByteString.CopyFrom(bytes) });
            case 7:
                return ("nul", Text(xml.Insert(random.Next(xml.Length), "\0")));
            case 8:
                return ("many-attributes", Text(xml.Replace("<Context>", "<Context " + string.Join(' ', Enumerable.Range(0, 100).Select(i => $"a{i}='x'")) + ">", StringComparison.Ordinal)));
            case 9:
                return ("not-an-event", random.Next(3) switch
                {
                    0 => new Event(),
                    1 => Text(""),
                    _ => Text("<html><body>" + xml + "</body></html>"),
                });
            case 10:
                return ("random-bytes", new Event { XmlUtf8 = ByteString.CopyFrom(RandomBytes(random)) });
            case 11:
                return ("parsed-missing-field", new Event { Parsed = new ParsedEvent { Computer = target.Computer, EventId = 1007, Channel = target.Channel, UserDataXml = "<x/>" } });
            case 12:
                return ("parsed-bad-time", new Event { Parsed = new ParsedEvent { Computer = target.Computer, EventId = 1007, Channel = target.Channel, UserDataXml = "<x/>", SubjectNames = { "s" }, TimeCreated = new Timestamp { Seconds = long.MaxValue } } });
            default:
                // Well-formed trickery on hostile hosts: escaped markup, control characters, bidi overrides.
                var trick = target with
                {
                    Computer = $"HOSTILE-{n % 7}",
                    SubjectNames = ["&lt;script&gt;", "CN=\u0001\u001f\u202Eevil", "x" + new string('&', random.Next(1, 50))],
                };
                return ("well-formed-trick", Text(trick.Render()));
        }
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 2_000)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static Event Text(string xml) => new() { Xml = xml };
}
