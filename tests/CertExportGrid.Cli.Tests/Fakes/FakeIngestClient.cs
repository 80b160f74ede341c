using System.Threading.Channels;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Fakes;

/// <summary>
/// An in-memory Ingest.StreamEvents: every batch the client writes goes to <see cref="Handler"/>, whose
/// answer (or exception) becomes the next response. Records what was sent and how many batches were
/// unacknowledged at most.
/// </summary>
internal sealed class FakeIngestClient : Ingest.IngestClient
{
    private readonly Lock _lock = new();
    private int _outstanding;

    /// <summary>Answers one batch; may throw RpcException to fail the call. Default: accept everything.</summary>
    public Func<EventBatch, BatchAck> Handler { get; init; } = b => new BatchAck { BatchId = b.BatchId, Accepted = (uint)b.Events.Count };

    /// <summary>
    /// Acks of a call are held back until it has received this many batches (then all are sent, in order), as a
    /// server applying several batches at once would; a failure before that loses them. 0: ack each at once.
    /// </summary>
    public int AckAfterBatches { get; init; }

    /// <summary>Delay before each ack, to let batches pile up in the window.</summary>
    public TimeSpan AckDelay { get; init; }

    public List<EventBatch> Received { get; } = [];

    /// <summary>Events received so far; safe to read while the client under test is still sending.</summary>
    public int ReceivedEvents
    {
        get
        {
            lock (_lock)
                return Received.Sum(batch => batch.Events.Count);
        }
    }

    /// <summary>Every batch received with the number of the call (from 1) it came on.</summary>
    public List<(int Call, EventBatch Batch)> Log { get; } = [];

    /// <summary>StreamEvents calls opened so far.</summary>
    public int Calls { get; private set; }

    public int MaxOutstanding { get; private set; }

    public override AsyncDuplexStreamingCall<EventBatch, BatchAck> StreamEvents(CallOptions options)
    {
        int call;
        lock (_lock) call = ++Calls;
        var requests = Channel.CreateUnbounded<EventBatch>();
        var responses = Channel.CreateUnbounded<BatchAck>();
        _ = Task.Run(() => ServeAsync(requests.Reader, responses.Writer, options.CancellationToken));
        return new AsyncDuplexStreamingCall<EventBatch, BatchAck>(
            new Writer(requests.Writer, this, call),
            new Reader(responses.Reader, options.CancellationToken),
            Task.FromResult(new Metadata()),
            () => Status.DefaultSuccess,
            () => [],
            () => requests.Writer.TryComplete());
    }

    private async Task ServeAsync(ChannelReader<EventBatch> requests, ChannelWriter<BatchAck> responses, CancellationToken ct)
    {
        var held = new List<BatchAck>();
        var seen = 0;
        try
        {
            await foreach (var batch in requests.ReadAllAsync(ct))
            {
                if (AckDelay > TimeSpan.Zero)
                    await Task.Delay(AckDelay, ct);
                held.Add(Handler(batch));
                if (++seen < AckAfterBatches)
                    continue;
                foreach (var ack in held)
                {
                    lock (_lock) _outstanding--;
                    await responses.WriteAsync(ack, ct);
                }

                held.Clear();
            }

            responses.TryComplete();
        }
        catch (Exception ex)
        {
            if (ex is EndStreamException)
                responses.TryComplete(); // the server closes its side cleanly, acks missing
            else
                responses.TryComplete(ex is OperationCanceledException ? new RpcException(new Status(StatusCode.Cancelled, "cancelled")) : ex);
        }
    }

    private sealed class Writer(ChannelWriter<EventBatch> requests, FakeIngestClient owner, int call) : IClientStreamWriter<EventBatch>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(EventBatch message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(EventBatch message, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (owner._lock)
            {
                owner.Received.Add(message.Clone());
                owner.Log.Add((call, message.Clone()));
                owner._outstanding++;
                owner.MaxOutstanding = Math.Max(owner.MaxOutstanding, owner._outstanding);
            }

            if (!requests.TryWrite(message))
                throw new RpcException(new Status(StatusCode.Internal, "write after the call completed"));
            await Task.Yield();
        }

        public Task CompleteAsync()
        {
            requests.TryComplete();
            return Task.CompletedTask;
        }
    }

    private sealed class Reader(ChannelReader<BatchAck> responses, CancellationToken callToken) : IAsyncStreamReader<BatchAck>
    {
        public BatchAck Current { get; private set; } = null!;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, callToken);
            try
            {
                if (!await responses.WaitToReadAsync(linked.Token))
                    return false;
            }
            catch (OperationCanceledException)
            {
                throw new RpcException(new Status(StatusCode.Cancelled, "cancelled"));
            }

            Current = await responses.ReadAsync(linked.Token);
            return true;
        }
    }

    /// <summary>Thrown by a <see cref="Handler"/>: the response stream ends without an error status.</summary>
    public sealed class EndStreamException : Exception;
}
