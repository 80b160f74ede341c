using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace CertExportGrid.Grains.Fanout;

/// <summary>
/// Forwards finding updates to every gateway. A stateless worker, so each silo publishes locally
/// without a central bottleneck; updates are queued and flushed in small batches so a burst of
/// changes costs one message per gateway rather than one per update. Exactly one worker per silo:
/// with several, two updates of one key could overtake each other on their way to a gateway.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed partial class FindingsPublisherGrain(ILogger<FindingsPublisherGrain> logger) : Grain, IFindingsPublisherGrain, IDisposable
{
    private static readonly TimeSpan ObserverRefresh = TimeSpan.FromSeconds(2);
    private const int MaxBatch = 512;

    private readonly Queue<FindingSnapshot> _queue = new();
    private IFindingsObserver[] _observers = [];
    private Task _flush = Task.CompletedTask;
    private IGrainTimer? _refreshTimer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await RefreshObservers();
        _refreshTimer = this.RegisterGrainTimer(
            _ => RefreshObservers(),
            new GrainTimerCreationOptions(ObserverRefresh, ObserverRefresh) { Interleave = true });
    }

    public Task Publish(FindingSnapshot update)
    {
        _queue.Enqueue(update);
        if (_flush.IsCompleted)
        {
            _flush = FlushAsync();
        }

        return Task.CompletedTask;
    }

    public void Dispose() => _refreshTimer?.Dispose();

    private async Task RefreshObservers()
    {
        try
        {
            _observers = await GrainFactory.GetGrain<IFindingsHubGrain>(0).GetObservers();
        }
        catch (Exception exception)
        {
            LogRefreshFailed(logger, exception);
        }
    }

    private async Task FlushAsync()
    {
        // Yield once so updates published in the same turn travel together.
        await Task.Yield();
        while (_queue.Count > 0)
        {
            var batch = new FindingSnapshot[Math.Min(_queue.Count, MaxBatch)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = _queue.Dequeue();
            }

            foreach (var observer in _observers)
            {
                try
                {
                    // One-way: returns once the message is queued, never waits for the gateway.
                    await observer.OnFindingsChanged(batch);
                }
                catch (Exception exception)
                {
                    LogDeliveryFailed(logger, exception, batch.Length);
                }
            }
        }
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Refreshing the gateway observer list failed; using the previous list")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Delivering {Count} finding updates to a gateway failed")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, int count);
}
