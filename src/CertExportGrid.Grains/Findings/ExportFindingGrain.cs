using CertExportGrid.Detection.Keys;
using CertExportGrid.Detection.Rules;
using CertExportGrid.Detection.Suppression;
using CertExportGrid.Grains.Suppression;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// One (dest, subject). Calls are processed one at a time (non-reentrant), so the read-modify-write
/// of the aggregate never races. Hash placement spreads keys evenly over silos.
/// </summary>
[HashBasedPlacement]
public sealed partial class ExportFindingGrain(
    [PersistentState("finding", StorageNames.Findings)] IPersistentState<FindingState> state,
    IOptions<FindingGrainOptions> options,
    DetectionRule rule,
    SuppressionRuleCache suppressions,
    ILogger<ExportFindingGrain> logger) : Grain, IExportFindingGrain
{
    private DedupWindow? _dedup;
    private DedupChunkStore? _chunks;
    private RowSuppression? _rowSuppression;
    private List<Guid>? _chunkIds; // ids of _dedup.Sealed as of _chunkIdsAt
    private int _chunkIdsAt;
    private IFindingsPublisherGrain? _publisher;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.RecordExists)
        {
            if (!FindingKey.TryDecode(this.GetPrimaryKeyString(), out var key))
            {
                throw new InvalidOperationException("Finding grain key is not a valid encoded (dest, subject) key.");
            }

            state.State.Dest = key.Dest;
            state.State.Subject = key.Subject;
        }

        // Sealed chunks are records of their own; the rest travels in the state. Older versions
        // stored the window as a list or as one blob; either is read once and written back as chunks.
        var stored = state.State;
        _chunks = new DedupChunkStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Findings), this.GetGrainId(), logger);
        var sealedChunks = await _chunks.ReadAsync(stored.DedupChunkIds
            ?? (stored.DedupChunkRecords is { } names ? DedupChunkStore.IdsOf(names) : null));
        var open = stored.DedupChunks is { Count: > 0 } ? stored.DedupChunks : stored.EncodedDedupWindow is { } blob ? [blob] : null;
        _dedup = new DedupWindow(sealedChunks, open, stored.RecentIdentities, options.Value.DedupWindow);
        stored.DedupChunks = null;
        stored.EncodedDedupWindow = null;
        stored.RecentIdentities = null;
        stored.DedupChunkRecords = null;
        stored.DedupChunkIds = null;
    }

    public async Task<ApplyResult> Apply(ExportObservation[] observations)
    {
        var current = state.State;
        var rules = await suppressions.GetAsync();
        var applied = 0;
        List<int>? duplicatePositions = null;
        ExportObservation? latest = null;
        for (var position = 0; position < observations.Length; position++)
        {
            var observation = observations[position];
            if (!_dedup!.TryAdd(FindingAggregator.IdentityOf(observation)))
            {
                (duplicatePositions ??= []).Add(position);
            }
            else
            {
                FindingAggregator.Add(current, observation);
                latest = FindingAggregator.Later(latest, observation);
                FindingAggregator.AddProvenance(current, observation.Collector, options.Value.MaxCollectors);
                // The filter macro as a counter: suppressed events still count, and are counted as such.
                if (rules.Rules.Count > 0 && rules.Matches(new RowFields(current.Dest, current.Subject, observation.ProcessName, observation.AccountName)))
                {
                    current.SuppressedCount++;
                }

                applied++;
            }
        }

        var duplicates = observations.Length - applied;
        if (applied == 0)
        {
            return new ApplyResult(0, duplicates, current.Version, duplicatePositions?.ToArray());
        }

        FindingAggregator.RecordLastExport(current, latest!);
        current.Version++;
        try
        {
            // Index first: a key in the index with no persisted state lists as nothing, whereas
            // persisted state missing from the index would be invisible to ListFindings.
            if (!current.Indexed)
            {
                await GrainFactory.GetGrain<IFindingIndexGrain>(FindingIndexShard.Of(this.GetPrimaryKeyString()))
                    .Register(this.GetPrimaryKeyString());
                current.Indexed = true;
            }

            // Sealed chunks first, then the state naming them; a chunk is deleted only once a
            // durable state no longer names it (DedupChunkStore explains why that order is safe).
            // The id list is rebuilt only when a chunk was sealed or dropped, not on every write.
            await _chunks!.StoreNewAsync(_dedup!.Sealed);
            if (_chunkIds is null || _chunkIdsAt != _dedup.SealedChanges)
            {
                _chunkIds = [.. _dedup.Sealed.Select(chunk => chunk.RecordId!.Value)];
                _chunkIdsAt = _dedup.SealedChanges;
            }

            current.DedupChunkIds = _chunkIds.Count > 0 ? _chunkIds : null;
            current.DedupChunks = _dedup.EncodeOpen() is { } open ? [open] : null;

            await state.WriteStateAsync();

            // Only writes need these; the window itself keeps what it needs.
            current.DedupChunks = null;
            current.DedupChunkIds = null;
            await _chunks.DeleteAsync(_dedup.TakeTrimmed());
        }
        catch (Exception exception)
        {
            // The in-memory aggregate is now ahead of storage; drop this activation so the next
            // call re-reads what was really persisted, and let the gateway report the failure.
            LogWriteFailed(logger, exception, current.Dest, current.Subject);
            DeactivateOnIdle();
            throw;
        }

        var snapshot = FindingSnapshots.From(current, rule, includeRows: false, IsSuppressed(rules));
        // Kept: GetGrain<T> resolves the interface by reflection on every call (Orleans 10.4).
        _publisher ??= GrainFactory.GetGrain<IFindingsPublisherGrain>(0);
        await _publisher.Publish(snapshot);
        return new ApplyResult(applied, duplicates, current.Version, duplicatePositions?.ToArray());
    }

    public async Task<FindingSnapshot?> GetFinding(bool includeRows)
    {
        if (state.State.Count == 0)
        {
            return null;
        }

        var rules = await suppressions.GetAsync();
        return FindingSnapshots.From(state.State, rule, includeRows, IsSuppressed(rules));
    }

    /// <summary>
    /// Suppressed when EVERY Splunk row matches a rule in force now, as the filter macro drops rows:
    /// one row that no rule covers (say, a new process exporting the same certificate) keeps the
    /// finding visible, so a later whitelisted export can never hide an earlier unexplained one.
    /// </summary>
    private bool IsSuppressed(SuppressionSet rules)
    {
        if (rules.Rules.Count == 0 || state.State.Rows.Count == 0)
        {
            return false;
        }

        _rowSuppression ??= new RowSuppression();
        return _rowSuppression.AllRowsMatch(state.State, rules);
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Persisting finding ({Dest}, {Subject}) failed; the activation is dropped and the events are reported as retryable")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string dest, string subject);
}
