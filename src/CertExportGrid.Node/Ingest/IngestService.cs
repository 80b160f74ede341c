using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Ingest;

/// <summary>
/// The collectors' endpoint: one acknowledgement per batch, in order. Batches of one stream are
/// applied one after another, so acks never overtake each other.
/// </summary>
public sealed class IngestService(BatchProcessor processor, IOptions<IngestOptions> options) : Contracts.V1.Ingest.IngestBase
{
    public override async Task StreamEvents(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, ServerCallContext context)
    {
        var limit = options.Value.MaxEventsPerBatch;
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            if (batch.Events.Count > limit)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument,
                    $"Batch '{batch.BatchId}' has {batch.Events.Count} events; the limit is {limit} (CertExportGrid:Ingest:MaxEventsPerBatch). Send smaller batches."));
            }

            var ack = await processor.ProcessAsync(batch, context.CancellationToken);
            await responseStream.WriteAsync(ack, context.CancellationToken);
        }
    }
}
