using System.Diagnostics;
using CertExportGrid.Bench.Hosting;
using CertExportGrid.Bench.Load;
using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Bench.Scenarios;

/// <summary>One full-path run and where the CPU went.</summary>
public sealed record FullPathResult(LoadResult Load, long WarmupEvents, long SubscriberUpdates, long SubscriberGaps, TimeSpan ServerCpu, TimeSpan ClientCpu, long? StorageBytes, RuntimeTotals? Runtime)
{
    /// <summary>Managed bytes the server allocated per event, when known.</summary>
    public double? AllocatedBytesPerEvent => Runtime?.AllocatedBytes / (double)Load.Events;

    /// <summary>Server time paused for GC per 1,000 events, in milliseconds, when known.</summary>
    public double? GcPauseMsPerKEvents => Runtime?.GcPause.TotalMilliseconds / (Load.Events / 1_000.0);

    /// <summary>Server CPU per 1,000 events, in milliseconds.</summary>
    public double ServerCpuMsPerKEvents => ServerCpu.TotalMilliseconds / (Load.Events / 1_000.0);

    /// <summary>Bytes written to storage per 1,000 events (the durable path's write amplification), when known.</summary>
    public double? StorageKBPerKEvents => StorageBytes / 1_024.0 / (Load.Events / 1_000.0);
}

/// <summary>
/// collector -> gRPC (Kestrel, HTTP/2, loopback) -> gateway -> grains -> SQLite (durable) -> ack,
/// against a fresh child-process node with one subscriber attached and reading.
/// </summary>
public static class FullPathRun
{
    public static async Task<FullPathResult> RunAsync(BenchOptions options, WorkloadShape shape, EventBatch[] batches)
    {
        await using var node = await NodeProcess.StartAsync(options.NodeDll, options.NodeSettings);
        using var channel = IngestLoad.OpenChannel(node.Url);
        await using var subscriber = new SubscriberProbe(channel);
        await subscriber.Connected;

        // Warm-up on other keys: JIT tiers, connection, storage file; its events are not counted.
        var warmupEvents = await Warmup.RunAsync(channel, shape, options);

        var runtime = await node.RuntimeTotalsAsync();
        var serverCpu = node.CpuTime();
        var written = node.StorageBytesWritten();
        using var self = Process.GetCurrentProcess();
        var clientCpu = self.TotalProcessorTime;
        var load = await IngestLoad.RunAsync(channel, batches, options.Streams, options.Window);
        serverCpu = node.CpuTime() - serverCpu;
        written = node.StorageBytesWritten() - written;
        runtime = await node.RuntimeTotalsAsync() - runtime;
        self.Refresh();
        clientCpu = self.TotalProcessorTime - clientCpu;

        // Updates are fanned out after the ack; give the last ones a moment to arrive.
        await Task.Delay(500);
        return new FullPathResult(load, warmupEvents, subscriber.Updates, subscriber.Gaps, serverCpu, clientCpu, written, runtime);
    }
}

/// <summary>Runs of one scenario; <see cref="Median"/> is the run with the median events/s.</summary>
public sealed record RepeatedResult(IReadOnlyList<FullPathResult> Runs)
{
    public FullPathResult Median { get; } = Runs.OrderBy(run => run.Load.EventsPerSecond).ElementAt(Runs.Count / 2);
}
