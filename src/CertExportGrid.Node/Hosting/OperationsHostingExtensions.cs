using System.Net;
using CertExportGrid.Node.Diagnostics;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;

namespace CertExportGrid.Node.Hosting;

/// <summary>Metrics for Prometheus, gRPC reflection, and the optional Orleans Dashboard.</summary>
public static class OperationsHostingExtensions
{
    public static void AddOperations(this WebApplicationBuilder builder, NodeOptions node)
    {
        var operations = builder.Configuration.GetSection(OperationsOptions.Section).Get<OperationsOptions>() ?? new OperationsOptions();
        builder.Services.AddGrpcReflection();

        if (operations.PrometheusEndpoint is { Length: > 0 } endpoint)
        {
            var uri = MetricsEndpoint(endpoint, operations.AllowRemoteMetrics);
            builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(NodeMetrics.MeterName, "Microsoft.Orleans")
                .AddRuntimeInstrumentation()
                .AddPrometheusHttpListener(listener =>
                {
                    listener.Host = uri.Host.Trim('[', ']');
                    listener.Port = uri.Port;
                    listener.ScrapeEndpointPath = uri.AbsolutePath;
                }));
        }

        if (operations.Dashboard && node.Role is NodeRole.All or NodeRole.Silo)
        {
            builder.Services.AddSingleton(operations);
            builder.UseOrleans(silo => silo.AddDashboard());
        }
    }

    public static void MapOperations(this WebApplication app, NodeOptions node)
    {
        app.MapGrpcReflectionService();
        if (app.Services.GetService<OperationsOptions>() is { Dashboard: true } && node.Role is NodeRole.All or NodeRole.Silo)
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard");
        }
    }

    private static Uri MetricsEndpoint(string endpoint, bool allowRemote)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath.Length < 2)
        {
            throw new InvalidOperationException($"CertExportGrid:Operations:PrometheusEndpoint '{endpoint}' must be an http:// URL with a path, such as http://127.0.0.1:9464/metrics.");
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        if (!loopback && !allowRemote)
        {
            throw new InvalidOperationException(
                $"Refusing to serve metrics on {endpoint}: beyond loopback set CertExportGrid:Operations:AllowRemoteMetrics=true (metrics hold counts only) or scrape through a local agent.");
        }

        return uri;
    }
}
