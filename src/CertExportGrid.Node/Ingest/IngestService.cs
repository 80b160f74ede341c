using System.Globalization;
using System.Threading.Channels;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Diagnostics;
using CertExportGrid.Node.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Ingest;

/// <summary>
/// The collectors' endpoint. Up to <see cref="IngestOptions.MaxInFlightBatchesPerStream"/> batches of
/// one stream are applied at once; acks go out strictly in batch order. When the server stops, it
/// stops reading, finishes and acknowledges the batches it already took, then ends the stream with
/// UNAVAILABLE so the collector re-sends the rest elsewhere or later.
/// </summary>
public sealed class IngestService(
    BatchProcessor processor,
    IngestAdmission admission,
    IOptions<IngestOptions> options,
    IHostApplicationLifetime lifetime,
    IngestRateLimiter rateLimiter,
    NodeMetrics metrics) : Contracts.V1.Ingest.IngestBase
{
    private const int RetryAfterMilliseconds = 1_000;

    public override async Task StreamEvents(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, ServerCallContext context)
    {
        var limits = options.Value;
        if (!admission.TryEnter(limits.MaxConcurrentStreams))
        {
            metrics.StreamRefused();
            context.ResponseTrailers.Add("retry-after-ms", RetryAfterMilliseconds.ToString(CultureInfo.InvariantCulture));
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"This gateway already has {limits.MaxConcurrentStreams} ingest streams open (CertExportGrid:Ingest:MaxConcurrentStreams); retry in {RetryAfterMilliseconds} ms."));
        }

        try
        {
            var session = rateLimiter.Open(CallerAccessor.Get(context));
            await PumpAsync(requestStream, responseStream, limits, session, context.CancellationToken);
        }
        finally
        {
            admission.Exit();
        }
    }

    private async Task PumpAsync(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, IngestOptions limits, IngestSession session, CancellationToken callToken)
    {
        // Reading stops when the server starts stopping; work already taken is finished and acked.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(callToken, lifetime.ApplicationStopping);
        var inFlight = Channel.CreateBounded<Task<BatchAck>>(new BoundedChannelOptions(limits.MaxInFlightBatchesPerStream)
        {
            SingleReader = true,
            SingleWriter = true,
        });

        var writer = WriteAcksInOrderAsync(inFlight.Reader, responseStream, reading, callToken);
        Exception? readFailure = null;
        try
        {
            while (await requestStream.MoveNext(reading.Token))
            {
                var batch = requestStream.Current;
                if (batch.Events.Count > limits.MaxEventsPerBatch)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"Batch '{batch.BatchId}' has {batch.Events.Count} events; the limit is {limits.MaxEventsPerBatch} (CertExportGrid:Ingest:MaxEventsPerBatch). Send smaller batches."));
                }

                // Waits while the window is full: that pause is the backpressure on the collector.
                await inFlight.Writer.WriteAsync(processor.ProcessAsync(batch, session, callToken), reading.Token);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !callToken.IsCancellationRequested && !writer.IsFaulted)
        {
            readFailure = new RpcException(new Status(StatusCode.Unavailable, "The server is shutting down; the batches acknowledged so far are durable, send the rest again."));
        }
        catch (Exception exception)
        {
            readFailure = exception;
        }

        inFlight.Writer.Complete();
        await writer;
        if (readFailure is not null)
        {
            throw readFailure;
        }
    }

    private static async Task WriteAcksInOrderAsync(ChannelReader<Task<BatchAck>> inFlight, IServerStreamWriter<BatchAck> responseStream, CancellationTokenSource reading, CancellationToken callToken)
    {
        try
        {
            await foreach (var pending in inFlight.ReadAllAsync(callToken))
            {
                await responseStream.WriteAsync(await pending, callToken);
            }
        }
        catch
        {
            // Stop the reader too, or it could wait forever for room in a window nobody drains.
            await reading.CancelAsync();
            throw;
        }
    }
}
