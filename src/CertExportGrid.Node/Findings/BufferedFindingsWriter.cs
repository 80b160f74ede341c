using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// Writes a subscription's messages without a flush (and so a socket write) per message: each write
/// is buffered (gRPC BufferHint), and the stream is flushed when the subscriber has nothing more
/// queued, or every <see cref="FlushEvery"/> messages so a burst or a snapshot never sits unbounded
/// in memory. Under load a flush carries many updates; when idle every update still goes out at once.
/// </summary>
public sealed class BufferedFindingsWriter(IServerStreamWriter<SubscribeResponse> inner, ServerCallContext context) : IServerStreamWriter<SubscribeResponse>
{
    public const int FlushEvery = 64;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);
    private int _unflushed;

    public WriteOptions? WriteOptions
    {
        get => inner.WriteOptions;
        set => throw new NotSupportedException("This writer decides when to flush.");
    }

    public Task WriteAsync(SubscribeResponse message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(SubscribeResponse message, CancellationToken cancellationToken)
    {
        inner.WriteOptions = Buffered;
        await inner.WriteAsync(message, cancellationToken);
        if (++_unflushed >= FlushEvery)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Sends whatever is buffered.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_unflushed == 0)
        {
            return;
        }

        _unflushed = 0;
        await context.GetHttpContext().Response.BodyWriter.FlushAsync(cancellationToken);
    }
}
