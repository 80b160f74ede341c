using System.Diagnostics;
using CertExportGrid.Bench.Workloads;
using Grpc.Net.Client;

namespace CertExportGrid.Bench.Load;

/// <summary>What a measured run sends, so its warm-up can send the same kind of events on other keys.</summary>
public sealed record WorkloadShape(int Keys, bool Parsed, int NoisePercent = 0);

/// <summary>
/// Sends fresh events shaped like the measured workload, round after round, until the warm-up time
/// has passed. A fresh .NET process runs its code through tiers (quick JIT, then instrumented, then
/// optimized with profile data); until the hot methods reach the last tier a node does 1.5-2x the
/// CPU work per event (docs/benchmarks.md, sixth round), so a throughput figure taken earlier
/// measures the JIT, not the node. Every round uses new keys, so activations are warmed too.
/// </summary>
public static class Warmup
{
    private const int RoundEvents = 20_000;

    /// <summary>Returns the number of warm-up events sent (none of them counted in the measurement).</summary>
    public static async Task<long> RunAsync(GrpcChannel channel, WorkloadShape shape, BenchOptions options)
    {
        var elapsed = Stopwatch.StartNew();
        long events = 0;
        var round = 0;
        do
        {
            var tag = $"warm{round++}";
            var generated = new EventGenerator(tag).Generate(RoundEvents, Math.Min(shape.Keys, RoundEvents), shape.Parsed, shape.NoisePercent);
            var result = await IngestLoad.RunAsync(channel, EventGenerator.ToBatches(generated, options.BatchSize, shape.Parsed, tag), options.Streams, options.Window);
            events += result.Events;
        }
        while (elapsed.Elapsed < options.WarmupDuration);

        return events;
    }
}
