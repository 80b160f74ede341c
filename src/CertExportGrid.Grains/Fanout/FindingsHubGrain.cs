namespace CertExportGrid.Grains.Fanout;

/// <summary>
/// Registry of gateway observers. Kept in memory: gateways renew their registration every few
/// seconds (<see cref="Lease"/> / 3), so a restarted hub is repopulated quickly and a gateway that
/// died silently is forgotten when its lease runs out.
/// </summary>
public sealed class FindingsHubGrain(TimeProvider clock) : Grain, IFindingsHubGrain
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    private readonly Dictionary<string, (IFindingsObserver Observer, DateTimeOffset Renewed)> _gateways = new(StringComparer.Ordinal);

    public Task Register(string gatewayId, IFindingsObserver observer)
    {
        _gateways[gatewayId] = (observer, clock.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task Unregister(string gatewayId)
    {
        _gateways.Remove(gatewayId);
        return Task.CompletedTask;
    }

    public Task<IFindingsObserver[]> GetObservers()
    {
        var now = clock.GetUtcNow();
        foreach (var expired in _gateways.Where(entry => now - entry.Value.Renewed > Lease).Select(entry => entry.Key).ToList())
        {
            _gateways.Remove(expired);
        }

        return Task.FromResult(_gateways.Values.Select(entry => entry.Observer).ToArray());
    }
}
