using CertExportGrid.Grains;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CertExportGrid.Node.Diagnostics;

/// <summary>
/// Ready when a grain call round-trips: the silo (or, for a gateway, the cluster) is up, so
/// ingest and findings calls will be served. Reported through grpc.health.v1.
/// </summary>
public sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await grains.GetGrain<IFindingsHubGrain>(0).GetObservers().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return HealthCheckResult.Healthy("cluster reachable");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable", exception);
        }
    }
}
