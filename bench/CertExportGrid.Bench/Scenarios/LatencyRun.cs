using System.Collections.Concurrent;
using System.Diagnostics;
using CertExportGrid.Bench.Load;
using CertExportGrid.Bench.Workloads;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Bench.Scenarios;

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record LatencyResult(int Samples, double P50, double P99, double Max, double AckP50, double AckP99, double AchievedRate);

/// <summary>
/// Send-to-finding latency at a fixed moderate rate: one collector stream sends a batch every
/// 10 ms (rate / 100 events, each to a different hot key); a subscriber records, for every event,
/// when a finding of its key first shows a count that includes it.
/// </summary>
public static class LatencyRun
{
    public static async Task<LatencyResult> RunAsync(string url, EventGenerator generator, int rate, TimeSpan duration, int hotKeys)
    {
        const int TicksPerSecond = 100;
        var perBatch = Math.Max(1, rate / TicksPerSecond);
        var batchCount = (int)(duration.TotalSeconds * TicksPerSecond);
        var events = generator.Generate(perBatch * batchCount, hotKeys, withParsed: false);
        var batches = EventGenerator.ToBatches(events, perBatch, parsed: false, "lat");

        // Per key: send timestamps of events not yet seen in a finding, in the order counted.
        var pending = new ConcurrentDictionary<string, Queue<(long Count, long SentAt)>>();
        var sentCount = new Dictionary<string, long>();
        var latencies = new List<double>(events.Count);
        var batchSentAt = new long[batches.Length];
        var ackLatencies = new List<double>(batches.Length);

        using var channel = IngestLoad.OpenChannel(url);
        await using var subscriber = new SubscriberProbe(channel, finding =>
        {
            var received = Stopwatch.GetTimestamp();
            if (!pending.TryGetValue(KeyOf(finding.Dest, finding.Subject), out var queue))
            {
                return;
            }

            lock (queue)
            {
                while (queue.Count > 0 && queue.Peek().Count <= (long)finding.Count)
                {
                    var sent = queue.Dequeue().SentAt;
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);
                    }
                }
            }
        });
        await subscriber.Connected;

        var client = new Ingest.IngestClient(channel);
        using var call = client.StreamEvents();
        var acks = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
            {
                var index = int.Parse(ack.BatchId.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
                ackLatencies.Add(Stopwatch.GetElapsedTime(batchSentAt[index]).TotalMilliseconds);
            }
        });

        var started = Stopwatch.GetTimestamp();
        for (var b = 0; b < batches.Length; b++)
        {
            var due = started + (long)(b * (Stopwatch.Frequency / (double)TicksPerSecond));
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (wait > 1)
                {
                    await Task.Delay((int)wait - 1);
                }
                else
                {
                    Thread.SpinWait(50);
                }
            }

            var now = Stopwatch.GetTimestamp();
            batchSentAt[b] = now;
            for (var i = b * perBatch; i < (b + 1) * perBatch; i++)
            {
                var key = KeyOf(events[i].Dest, events[i].Subject);
                var count = sentCount[key] = sentCount.GetValueOrDefault(key) + 1;
                var queue = pending.GetOrAdd(key, _ => new Queue<(long, long)>());
                lock (queue)
                {
                    queue.Enqueue((count, now));
                }
            }

            await call.RequestStream.WriteAsync(batches[b]);
        }

        var sendElapsed = Stopwatch.GetElapsedTime(started);
        await call.RequestStream.CompleteAsync();
        await acks;

        // Let the last findings arrive.
        var wait2 = Stopwatch.StartNew();
        while (wait2.Elapsed < TimeSpan.FromSeconds(10))
        {
            lock (latencies)
            {
                if (latencies.Count >= events.Count)
                {
                    break;
                }
            }

            await Task.Delay(20);
        }

        double[] sorted;
        lock (latencies)
        {
            sorted = [.. latencies.Order()];
        }

        double[] ackSorted = [.. ackLatencies.Order()];
        return new LatencyResult(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length > 0 ? sorted[^1] : double.NaN,
            Percentile(ackSorted, 0.50), Percentile(ackSorted, 0.99), events.Count / sendElapsed.TotalSeconds);
    }

    private static string KeyOf(string dest, string subject) => string.Concat(dest, "\0", subject);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
