using System.Diagnostics;
using CertExportGrid.Bench.Hosting;
using CertExportGrid.Bench.Workloads;
using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;

namespace CertExportGrid.Bench.Scenarios;

/// <summary>Memory and first-contact cost of finding grains.</summary>
public sealed record GrainMemoryResult(int Grains, double ManagedBytesPerGrain, double ResidentBytesPerGrain, double FirstEventMicros, double ActivationOnlyMicros);

/// <summary>
/// In this process (so a full GC can be forced before each reading), the real node with durable
/// SQLite storage: N new keys each get one export (activation + state read + index registration +
/// durable write), then GC, and the heap and RSS growth is divided by N. Then N more keys are only
/// activated (GetFinding: activation + storage read, no write) to isolate the activation itself.
/// </summary>
public static class GrainMemory
{
    private const int Concurrency = 256;

    public static async Task<GrainMemoryResult> RunAsync(int grains)
    {
        await using var node = await InProcessNode.StartAsync();
        var factory = node.Grains;
        var generator = new EventGenerator("mem");

        // Warm up the code paths on keys outside the measured ranges.
        await ForEachAsync(2_000, i => factory.GetGrain<IExportFindingGrain>(KeyOf(generator, 10_000_000 + i)).Apply([Observation(generator, 10_000_000 + i)]));

        var (managedBefore, residentBefore) = Measure();
        var started = Stopwatch.GetTimestamp();
        await ForEachAsync(grains, i => factory.GetGrain<IExportFindingGrain>(KeyOf(generator, i)).Apply([Observation(generator, i)]));
        var firstEvent = Stopwatch.GetElapsedTime(started);
        var (managedAfter, residentAfter) = Measure();

        started = Stopwatch.GetTimestamp();
        await ForEachAsync(grains, i => factory.GetGrain<IExportFindingGrain>(KeyOf(generator, 20_000_000 + i)).GetFinding(false));
        var activationOnly = Stopwatch.GetElapsedTime(started);

        return new GrainMemoryResult(
            grains,
            (managedAfter - managedBefore) / (double)grains,
            (residentAfter - residentBefore) / (double)grains,
            firstEvent.TotalMicroseconds / grains,
            activationOnly.TotalMicroseconds / grains);
    }

    private static string KeyOf(EventGenerator generator, int index) =>
        new FindingKey(generator.DestOf(index), generator.SubjectOf(index)).Encode();

    private static ExportObservation Observation(EventGenerator generator, int index)
    {
        var parsed = generator.Next(index, withParsed: true).Parsed!;
        return new ExportObservation
        {
            UserDataXml = parsed.UserDataXml,
            TimeTicks = parsed.TimeCreated.ToDateTime().Ticks,
            ChannelCode = 1,
            Channel = parsed.Channel,
            RecordId = (long)parsed.RecordId,
            SubjectNames = [.. parsed.SubjectNames],
            ProcessName = parsed.ProcessName,
            AccountName = parsed.AccountName,
            Context = parsed.Context,
            Thumbprint = parsed.Thumbprint,
            UserSid = parsed.UserSid,
        };
    }

    private static async Task ForEachAsync<T>(int count, Func<int, Task<T>> call)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await call(i);
            }
        }));
    }

    private static (long Managed, long Resident) Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), self.WorkingSet64);
    }
}
