using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>
/// The real server (co-hosted silo + gRPC services) in-process over TestServer, with its own
/// Orleans ports and in-memory or SQLite storage.
/// </summary>
public sealed class NodeFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public NodeFactory(IDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["CertExportGrid:Storage"] = "Memory",
            ["CertExportGrid:Cluster:SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CertExportGrid:Cluster:GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    /// <summary>What the node logged, at the levels its configuration lets through (Warning by default).</summary>
    public CapturedLogs Logs { get; } = new();

    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = Server.CreateHandler(),
    });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }
}
