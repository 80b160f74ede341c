using System.Diagnostics;
using CertExportGrid.Bench.Workloads;
using CertExportGrid.Detection.Events;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Detection.Parsing;

namespace CertExportGrid.Bench.Scenarios;

/// <summary>
/// The ceiling of the gateway's own work: the same raw events parsed and classified in-process
/// with the detection library (EventXmlParser + ExportEventClassifier + FindingKey), no network,
/// no grains. Measured on one thread and on every core (the server uses every core).
/// </summary>
public static class ParseLimit
{
    public static (double SingleThread, double AllCores) Measure(IReadOnlyList<GeneratedEvent> events, TimeSpan duration)
    {
        var parser = new EventXmlParser();
        RunFor(parser, events, TimeSpan.FromSeconds(2), Environment.ProcessorCount); // JIT up to tier 1, per-thread name tables
        var single = RunFor(parser, events, duration, 1);
        var all = RunFor(parser, events, duration, Environment.ProcessorCount);
        return (single, all);
    }

    private static double RunFor(EventXmlParser parser, IReadOnlyList<GeneratedEvent> events, TimeSpan duration, int threads)
    {
        long total = 0;
        var started = Stopwatch.GetTimestamp();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, worker =>
        {
            long parsed = 0;
            var index = worker * (events.Count / threads);
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                for (var i = 0; i < 1_000; i++)
                {
                    var e = events[index];
                    index = index + 1 == events.Count ? 0 : index + 1;
                    if (!parser.TryParse(e.XmlUtf8, out var winEvent, out _))
                    {
                        throw new InvalidOperationException("A generated event failed to parse.");
                    }

                    if (ExportEventClassifier.Classify(winEvent!) is Classification.Accepted accepted)
                    {
                        _ = new FindingKey(accepted.Event.Dest, accepted.Event.Subject).Encode();
                    }
                }

                parsed += 1_000;
            }

            Interlocked.Add(ref total, parsed);
        });
        return total / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
