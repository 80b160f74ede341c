using System.Collections.Concurrent;
using CertExportGrid.Grains;
using CertExportGrid.Node.Diagnostics;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// This gateway's end of the fan-out: an Orleans observer registered with the hub grain (renewed
/// well within its lease) that logs each update and offers it to every matching local subscriber.
/// Offering never blocks, so one slow subscriber cannot hold up the others or ingest; a subscriber
/// that is behind reads what it missed from the log (<see cref="Subscriber"/>).
/// </summary>
public sealed class FindingsBroadcaster(
    IGrainFactory grains,
    IOptions<SubscriberOptions> options,
    NodeMetrics metrics,
    Security.SecurityMetrics securityMetrics,
    ILogger<FindingsBroadcaster> logger) : BackgroundService, IFindingsObserver
{
    private static readonly TimeSpan Renewal = Grains.Fanout.FindingsHubGrain.Lease / 3;

    private readonly string _gatewayId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<long, Subscriber> _subscribers = new();
    // Appending to the log and offering to subscribers happen under one lock, so a subscriber
    // registered (with its backlog) under the same lock sees every update exactly once.
    private readonly Lock _gate = new();
    private readonly UpdateLog _log = new(options.Value.ResumeLogSize);
    private readonly KeyOrderer _orderer = new(TimeSpan.FromMilliseconds(250), TimeProvider.System);
    private long _nextId;
    private IFindingsObserver? _reference;
    private IFindingsHubGrain? _hub;

    public UpdateLog Log => _log;

    public Task OnFindingsChanged(FindingSnapshot[] updates)
    {
        lock (_gate)
        {
            var release = new List<FindingSnapshot>(updates.Length);
            foreach (var update in updates)
            {
                _orderer.Accept(update, release);
            }

            Distribute(release);
        }

        return Task.CompletedTask;
    }

    /// <summary>Logs and offers updates already in per-key order. Caller holds the lock.</summary>
    private void Distribute(List<FindingSnapshot> updates)
    {
        foreach (var update in updates)
        {
            var sequence = _log.Append(update);
            if (update.Suppressed)
            {
                // Not published to normal subscribers; counted, and still logged for include_suppressed.
                securityMetrics.UpdateSuppressed();
            }

            foreach (var subscriber in _subscribers.Values)
            {
                if (subscriber.Matcher.Matches(update))
                {
                    subscriber.Offer(sequence, update);
                }
            }
        }
    }

    /// <summary>
    /// Registers a subscriber. With <paramref name="resumeAfter"/>, it starts by reading the logged
    /// updates after that sequence; <see cref="Registration.Resumed"/> is false when they are no longer held.
    /// </summary>
    public Registration Add(FindingMatcher matcher, long? resumeAfter = null)
    {
        Subscriber subscriber;
        var resumed = false;
        long registeredAt;
        lock (_gate)
        {
            registeredAt = _log.Newest;
            var startAfter = registeredAt;
            if (resumeAfter is { } after && _log.Holds(after))
            {
                startAfter = after;
                resumed = true;
            }

            subscriber = new Subscriber(Interlocked.Increment(ref _nextId), matcher, options.Value.BufferSize, _log, _gate, startAfter);
            _subscribers[subscriber.Id] = subscriber;
        }

        metrics.SubscriberConnected();
        return new Registration(subscriber, registeredAt, resumed);
    }

    /// <summary>A new subscription: its buffer, the log sequence at registration, and whether a resume succeeded.</summary>
    public readonly record struct Registration(Subscriber Subscriber, long RegisteredAt, bool Resumed);

    public void Remove(Subscriber subscriber)
    {
        if (_subscribers.TryRemove(subscriber.Id, out _))
        {
            metrics.SubscriberDisconnected();
        }
    }

    private void ReleaseOverdue()
    {
        lock (_gate)
        {
            var release = new List<FindingSnapshot>();
            _orderer.ReleaseOverdue(release);
            Distribute(release);
        }
    }

    /// <summary>Registers now, so findings flow before the gRPC server accepts its first call.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<IFindingsObserver>(this);
        // Resolved once: at shutdown the host may already have disposed the services a new
        // grain reference needs.
        _hub = grains.GetGrain<IFindingsHubGrain>(0);
        await RegisterAsync();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            if (_hub is not null)
            {
                await _hub.Unregister(_gatewayId).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException or OrleansException or ObjectDisposedException)
        {
            // The lease expires the registration anyway.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var renewed = TimeProvider.System.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                ReleaseOverdue();
                if (TimeProvider.System.GetElapsedTime(renewed) >= Renewal)
                {
                    await RegisterAsync();
                    renewed = TimeProvider.System.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the normal end of the renewal loop.
        }
    }

    private async Task RegisterAsync()
    {
        try
        {
            // Bounded: a hub on a silo that just died can hang a call for ~30 s.
            await _hub!.Register(_gatewayId, _reference!).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            NodeLog.ObserverRegistrationFailed(logger, exception);
        }
    }
}
