using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertExportGrid.Bench.Hosting;

/// <summary>
/// The transport-only baseline: a minimal Kestrel gRPC server on loopback (HTTP/2 cleartext, as
/// the node) whose Ingest acknowledges every batch at once without looking at its events.
/// </summary>
public sealed class DiscardIngestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DiscardIngestServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<DiscardIngestServer> StartAsync()
    {
        var url = $"http://127.0.0.1:{FreePorts.Next()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 16 * 1024 * 1024);
        var app = builder.Build();
        app.MapGrpcService<DiscardIngest>();
        await app.StartAsync();
        return new DiscardIngestServer(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class DiscardIngest : Ingest.IngestBase
    {
        public override async Task StreamEvents(IAsyncStreamReader<EventBatch> requestStream, IServerStreamWriter<BatchAck> responseStream, ServerCallContext context)
        {
            while (await requestStream.MoveNext(context.CancellationToken))
            {
                var batch = requestStream.Current;
                await responseStream.WriteAsync(new BatchAck { BatchId = batch.BatchId, Accepted = (uint)batch.Events.Count }, context.CancellationToken);
            }
        }
    }
}
