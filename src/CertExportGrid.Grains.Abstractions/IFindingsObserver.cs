using Orleans.Concurrency;

namespace CertExportGrid.Grains;

/// <summary>
/// Implemented by every gateway: receives every finding update and fans it out to that gateway's
/// own subscribers. One-way, so a slow gateway never holds up a grain.
/// </summary>
[Alias("certexportgrid.IFindingsObserver")]
public interface IFindingsObserver : IGrainObserver
{
    [OneWay, Alias("OnFindingsChanged")]
    Task OnFindingsChanged(FindingSnapshot[] updates);
}

/// <summary>The cluster-wide registry of gateway observers (one activation, key 0).</summary>
[Alias("certexportgrid.IFindingsHubGrain")]
public interface IFindingsHubGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or renews a gateway's observer; entries not renewed within the lease expire.</summary>
    [Alias("Register")]
    Task Register(string gatewayId, IFindingsObserver observer);

    [Alias("Unregister")]
    Task Unregister(string gatewayId);

    [Alias("GetObservers")]
    Task<IFindingsObserver[]> GetObservers();
}

/// <summary>Forwards finding updates from grains to every registered gateway (stateless worker).</summary>
[Alias("certexportgrid.IFindingsPublisherGrain")]
public interface IFindingsPublisherGrain : IGrainWithIntegerKey
{
    [OneWay, Alias("Publish")]
    Task Publish(FindingSnapshot update);
}
