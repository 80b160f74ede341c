using Grpc.Net.Client;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>A fresh in-process node and a gRPC channel to it for each test.</summary>
public abstract class NodeTestBase(IDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected NodeFactory Factory { get; } = new(settings);

    protected GrpcChannel Channel { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Channel = Factory.CreateChannel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Factory.DisposeAsync();
    }
}
