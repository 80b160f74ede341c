using CertExportGrid.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Sends events over the real bidirectional Ingest call and collects the acks.</summary>
public static class IngestDriver
{
    /// <summary>Sends the batches on one stream; returns the acks in order.</summary>
    public static async Task<IReadOnlyList<BatchAck>> SendAsync(GrpcChannel channel, IEnumerable<EventBatch> batches, CancellationToken cancellationToken = default)
    {
        var client = new CertExportGrid.Contracts.V1.Ingest.IngestClient(channel);
        using var call = client.StreamEvents(cancellationToken: cancellationToken);
        var acks = new List<BatchAck>();
        var reading = Task.Run(async () =>
        {
            await foreach (var ack in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                acks.Add(ack);
            }
        }, cancellationToken);

        try
        {
            foreach (var batch in batches)
            {
                await call.RequestStream.WriteAsync(batch, cancellationToken);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception writeFailure) when (writeFailure is RpcException or InvalidOperationException or IOException)
        {
            // The server ended the call while we were still writing; its status (on the response
            // side) is the real answer, not the write's "cancelled".
            await reading;
            throw;
        }

        await reading;
        return acks;
    }

    /// <summary>Sends one batch on an open stream and returns its acknowledgement.</summary>
    /// <summary>Sends one batch of <paramref name="events"/> on a new stream and returns its ack.</summary>
    public static async Task<BatchAck> SendBatchAsync(GrpcChannel channel, string id, IEnumerable<EventXml> events) =>
        (await SendAsync(channel, [Batch(id, events.Select(e => e.Render()))]))[0];

    public static async Task<BatchAck> RoundTripAsync(AsyncDuplexStreamingCall<EventBatch, BatchAck> call, string id, IEnumerable<EventXml> events)
    {
        await call.RequestStream.WriteAsync(Batch(id, events.Select(e => e.Render())));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None), "the stream ended before the ack");
        return call.ResponseStream.Current;
    }

    public static EventBatch Batch(string id, IEnumerable<byte[]> utf8Events)
    {
        var batch = new EventBatch { BatchId = id };
        batch.Events.AddRange(utf8Events.Select(bytes => new Event { XmlUtf8 = ByteString.CopyFrom(bytes) }));
        return batch;
    }

    public static EventBatch Batch(string id, IEnumerable<string> xmlEvents)
    {
        var batch = new EventBatch { BatchId = id };
        batch.Events.AddRange(xmlEvents.Select(xml => new Event { Xml = xml }));
        return batch;
    }

    /// <summary>Lists every finding, following page tokens.</summary>
    public static async Task<IReadOnlyList<Finding>> ListAllAsync(GrpcChannel channel, FindingFilter? filter = null, uint pageSize = 0)
    {
        var client = new CertExportGrid.Contracts.V1.Findings.FindingsClient(channel);
        var all = new List<Finding>();
        var token = "";
        do
        {
            var page = await client.ListFindingsAsync(new ListFindingsRequest { Filter = filter, PageSize = pageSize, PageToken = token });
            all.AddRange(page.Findings);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return all;
    }
}
