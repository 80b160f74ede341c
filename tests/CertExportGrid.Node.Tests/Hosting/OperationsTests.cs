using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;

namespace CertExportGrid.Node.Tests.Hosting;

/// <summary>What an operator scrapes and browses: Prometheus metrics and gRPC reflection, on a real process.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task PrometheusEndpoint_ExposesIngestCountersAfterIngest_ReflectionListsServices()
    {
        using var temp = new TempDirectory();
        var metricsPort = FreePorts.Next();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
            $"--CertExportGrid:Operations:PrometheusEndpoint=http://127.0.0.1:{metricsPort}/metrics");
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
        using var channel = GrpcChannel.ForAddress(node.Url);
        await IngestDriver.SendAsync(channel, [IngestDriver.Batch("m", [
            new EventXml { RecordId = 1 }.Render(),
            new EventXml { RecordId = 2, EventId = 1006 }.Render(),
            "<not xml",
        ])]);

        using var http = new HttpClient();
        string metrics = "";
        for (var attempt = 0; attempt < 50 && !metrics.Contains("certexportgrid_ingest_events", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(200);
            metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        }

        var ingest = metrics.Split('\n').Where(line => line.StartsWith("certexportgrid_ingest_events", StringComparison.Ordinal)).ToList();
        Assert.Contains(ingest, line => line.Contains("outcome=\"accepted\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(ingest, line => line.Contains("outcome=\"ignored\"", StringComparison.Ordinal) && line.EndsWith(" 1", StringComparison.Ordinal));
        Assert.Contains(ingest, line => line.Contains("outcome=\"rejected\"", StringComparison.Ordinal) && line.Contains("NotWellFormed", StringComparison.Ordinal));
        Assert.Contains("certexportgrid_ingest_ack_latency", metrics, StringComparison.Ordinal);

        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await reflection.RequestStream.CompleteAsync();
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name).ToList();
        Assert.Contains("certexportgrid.v1.Ingest", services);
        Assert.Contains("certexportgrid.v1.Findings", services);
    }

    [Fact]
    public async Task MetricsBeyondLoopbackWithoutOptIn_RefusesToStart()
    {
        using var temp = new TempDirectory();
        await using var node = NodeProcess.Start(temp.Combine("data"), FreePorts.Next(), FreePorts.Next(), FreePorts.Next(),
            "--CertExportGrid:Operations:PrometheusEndpoint=http://0.0.0.0:9464/metrics");

        Assert.Equal(2, await node.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Refusing to serve metrics on http://0.0.0.0:9464/metrics", node.Output, StringComparison.Ordinal);
    }
}
