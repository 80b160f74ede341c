using System.Globalization;
using CertExportGrid.Bench.Scenarios;

namespace CertExportGrid.Bench;

/// <summary>Prints each measurement as it completes and a Markdown table at the end (pasted into docs/benchmarks.md).</summary>
public sealed class Report
{
    private readonly List<string> _rows = [];

    public void Header(BenchOptions options)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CertExportGrid bench {(options.Quick ? "(quick) " : "")}{DateTime.UtcNow:yyyy-MM-dd HH:mm}Z, {Environment.ProcessorCount} cores, .NET {Environment.Version}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"hot events {options.HotEvents:N0} over {options.HotKeys} keys; distinct keys {options.DistinctKeys:N0} x {options.EventsPerDistinctKey}; batch {options.BatchSize}; {options.Streams} streams x window {options.Window}; warm-up {options.WarmupDuration.TotalSeconds:F0} s per node; node {options.NodeDll}"));
    }

    public void Line(string what, double eventsPerSecond, string note) =>
        Add($"| {what} | {eventsPerSecond:N0} | {note} |");

    public void Full(string what, RepeatedResult repeated)
    {
        var result = repeated.Median;
        var load = result.Load;
        var spread = repeated.Runs.Count == 1 ? "" :
            $"median of {repeated.Runs.Count} runs ({string.Join(" / ", repeated.Runs.Select(run => run.Load.EventsPerSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}); ";
        var note = spread + $"{load.Events:N0} events in {load.Elapsed.TotalSeconds:F2} s after {result.WarmupEvents:N0} warm-up events; accepted {load.Accepted:N0}, ignored {load.Ignored:N0}, dup {load.Duplicates:N0}, rejected {load.Rejected:N0}; " +
            $"subscriber {result.SubscriberUpdates:N0} updates, {result.SubscriberGaps} gaps; server CPU {result.ServerCpu.TotalSeconds:F1} s ({result.ServerCpuMsPerKEvents:F1} ms/1k events), client CPU {result.ClientCpu.TotalSeconds:F1} s" +
            (result.StorageKBPerKEvents is { } kb ? $"; storage writes {kb:N0} KB/1k events" : "") +
            (result.AllocatedBytesPerEvent is { } allocated ? $"; allocated {allocated:N0} B/event, GC paused {result.GcPauseMsPerKEvents:F1} ms/1k events" : "");
        if (load.FirstRejection is not null)
        {
            note += $"; first rejection: {load.FirstRejection}";
        }

        Line(what, load.EventsPerSecond, note);
    }

    public void Latency(int rate, LatencyResult result) =>
        Add($"| latency at {rate:N0} events/s (achieved {result.AchievedRate:N0}) | p50 {result.P50:F1} ms, p99 {result.P99:F1} ms, max {result.Max:F1} ms | send -> finding at subscriber, {result.Samples:N0} samples; send -> ack p50 {result.AckP50:F1} ms, p99 {result.AckP99:F1} ms |");

    public void Memory(GrainMemoryResult result) =>
        Add($"| memory per idle active grain ({result.Grains:N0} keys, 1 export each) | {result.ManagedBytesPerGrain:N0} B managed, {result.ResidentBytesPerGrain:N0} B RSS | 1M grains = {result.ManagedBytesPerGrain * 1e6 / (1 << 30):F2} GiB managed; first contact {result.FirstEventMicros:F1} µs/key (activate + read + index + durable write, 256 concurrent), activation only {result.ActivationOnlyMicros:F1} µs/key |");

    public void Summary()
    {
        Console.WriteLine();
        Console.WriteLine("| measurement | events/s (or value) | notes |");
        Console.WriteLine("|---|---|---|");
        foreach (var row in _rows)
        {
            Console.WriteLine(row);
        }
    }

    private void Add(string row)
    {
        _rows.Add(row);
        Console.WriteLine(row);
    }
}
