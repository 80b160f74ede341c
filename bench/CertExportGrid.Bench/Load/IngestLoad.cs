using System.Diagnostics;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Bench.Load;

/// <summary>What one load run saw: events acknowledged and how, and the wall time from first send to last ack.</summary>
public sealed record LoadResult(long Events, long Accepted, long Duplicates, long Ignored, long Rejected, TimeSpan Elapsed, string? FirstRejection)
{
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;
}

/// <summary>
/// A collector at full speed: <c>streams</c> concurrent StreamEvents calls share pre-built batches;
/// each keeps up to <c>window</c> batches unacknowledged (the server applies up to 4 per stream).
/// An event counts once its batch is acknowledged, which on the node means durable.
/// </summary>
public static class IngestLoad
{
    public static GrpcChannel OpenChannel(string url) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        MaxSendMessageSize = 16 * 1024 * 1024,
        MaxReceiveMessageSize = 16 * 1024 * 1024,
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
    });

    public static async Task<LoadResult> RunAsync(GrpcChannel channel, EventBatch[] batches, int streams, int window, CancellationToken cancellationToken = default)
    {
        var client = new Ingest.IngestClient(channel);
        var next = -1;
        var tally = new Tally();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => Task.Run(() => StreamAsync(client, batches, () => Interlocked.Increment(ref next), window, tally, cancellationToken))));
        var elapsed = Stopwatch.GetElapsedTime(started);
        return new LoadResult(tally.Events, tally.Accepted, tally.Duplicates, tally.Ignored, tally.Rejected, elapsed, tally.FirstRejection);
    }

    private static async Task StreamAsync(Ingest.IngestClient client, EventBatch[] batches, Func<int> take, int window, Tally tally, CancellationToken cancellationToken)
    {
        using var call = client.StreamEvents(cancellationToken: cancellationToken);
        using var room = new SemaphoreSlim(window, window);
        var reader = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                tally.Add(ack);
                room.Release();
            }
        }, cancellationToken);

        while (true)
        {
            var index = take();
            if (index >= batches.Length)
            {
                break;
            }

            await room.WaitAsync(cancellationToken);
            await call.RequestStream.WriteAsync(batches[index], cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        await reader;
    }

    private sealed class Tally
    {
        private long _events, _accepted, _duplicates, _ignored, _rejected;

        public long Events => Interlocked.Read(ref _events);
        public long Accepted => Interlocked.Read(ref _accepted);
        public long Duplicates => Interlocked.Read(ref _duplicates);
        public long Ignored => Interlocked.Read(ref _ignored);
        public long Rejected => Interlocked.Read(ref _rejected);
        public string? FirstRejection { get; private set; }

        public void Add(BatchAck ack)
        {
            Interlocked.Add(ref _accepted, ack.Accepted);
            Interlocked.Add(ref _duplicates, ack.Duplicates);
            Interlocked.Add(ref _ignored, ack.Ignored);
            Interlocked.Add(ref _rejected, ack.Rejected.Count);
            Interlocked.Add(ref _events, ack.Accepted + ack.Ignored + ack.Rejected.Count);
            if (ack.Rejected.Count > 0 && FirstRejection is null)
            {
                FirstRejection = $"{ack.Rejected[0].Reason}: {ack.Rejected[0].Message}";
            }
        }
    }
}
