using System.Diagnostics;
using CertExportGrid.Detection.Suppression;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertExportGrid.Grains.Suppression;

/// <summary>
/// Each silo's copy of the compiled suppression rules, re-checked against the rules grain at most
/// once per <see cref="MaxAge"/> (a version check; the rules travel only when they changed). If the
/// rules grain cannot be reached the last known rules stay in force; before the first successful
/// read nothing is suppressed, which errs towards showing findings, never hiding them.
/// </summary>
public sealed partial class SuppressionRuleCache(IServiceProvider services, ILogger<SuppressionRuleCache> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private SuppressionSet _current = SuppressionSet.Empty;
    private long _checkedAt = long.MinValue;
    private Task<SuppressionSet>? _refreshing;

    // Bumped by Invalidate: a refresh that started before an invalidation must not mark the copy fresh.
    private long _generation;

    /// <summary>The rules in force, refreshed when the copy is older than <see cref="MaxAge"/>.</summary>
    public ValueTask<SuppressionSet> GetAsync()
    {
        lock (_gate)
        {
            if (_checkedAt != long.MinValue && Stopwatch.GetElapsedTime(_checkedAt) < MaxAge)
            {
                return ValueTask.FromResult(_current);
            }

            // One refresh at a time, off the grain schedulers, shared by every caller.
            _refreshing ??= Task.Run(RefreshAsync);
            return new ValueTask<SuppressionSet>(_refreshing);
        }
    }

    /// <summary>Forces the next read to check the rules grain (called after a local rule change).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _checkedAt = long.MinValue; // as before the first read: the next GetAsync refreshes
            _generation++;
        }
    }

    private async Task<SuppressionSet> RefreshAsync()
    {
        SuppressionSet known;
        long generation;
        lock (_gate)
        {
            known = _current;
            generation = _generation;
        }

        try
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            var listing = await grains.GetGrain<ISuppressionRulesGrain>(0).GetIfChanged(known.Version).WaitAsync(TimeSpan.FromSeconds(5));
            var next = listing is null ? known : Compile(listing);
            lock (_gate)
            {
                _current = next;
                // Read before a later invalidation: keep it, but let the next read check again.
                _checkedAt = generation == _generation ? Stopwatch.GetTimestamp() : long.MinValue;
                _refreshing = null;
            }

            return next;
        }
        catch (Exception exception)
        {
            LogRefreshFailed(logger, exception);
            lock (_gate)
            {
                // Try again on the next read after a short pause, with the last known rules meanwhile.
                _checkedAt = Stopwatch.GetTimestamp() - (Stopwatch.Frequency * 3 / 4);
                _refreshing = null;
                return _current;
            }
        }
    }

    private SuppressionSet Compile(SuppressionListing listing)
    {
        var compiled = new List<SuppressionCriteria>(listing.Rules.Length);
        foreach (var rule in listing.Rules)
        {
            if (SuppressionRuleText.TryCompile(rule, out var criteria, out var error))
            {
                compiled.Add(criteria!);
            }
            else
            {
                LogRuleSkipped(logger, rule.Id, error!);
            }
        }

        return new SuppressionSet(listing.Version, compiled);
    }

    [LoggerMessage(EventId = 2211, Level = LogLevel.Warning, Message = "Reading the suppression rules failed; the last known rules stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Error, Message = "Suppression rule {RuleId} cannot be compiled and is ignored: {Error}")]
    private static partial void LogRuleSkipped(ILogger logger, string ruleId, string error);
}
