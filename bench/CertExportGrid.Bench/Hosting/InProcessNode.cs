using CertExportGrid.Node.Hosting;

namespace CertExportGrid.Bench.Hosting;

/// <summary>
/// The real node inside this process (built with the Node's own AddCertExportGrid /
/// MapCertExportGrid), for measurements that need this process's GC: memory per idle grain and
/// the cost of first contact with a key, both taken through IGrainFactory.
/// </summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private InProcessNode(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
    }

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public static async Task<InProcessNode> StartAsync()
    {
        var data = Directory.CreateTempSubdirectory("certexportgrid-bench-mem-").FullName;
        string[] args =
        [
            "--urls", $"http://127.0.0.1:{FreePorts.Next()}", "--data", data,
            $"--CertExportGrid:Cluster:SiloPort={FreePorts.Next()}",
            $"--CertExportGrid:Cluster:GatewayPort={FreePorts.Next()}",
            "--Logging:LogLevel:Default=Warning",
        ];
        var builder = WebApplication.CreateBuilder(args);
        builder.AddCertExportGrid(args);
        var app = builder.Build();
        app.MapCertExportGrid();
        await app.StartAsync();
        return new InProcessNode(app, data);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
