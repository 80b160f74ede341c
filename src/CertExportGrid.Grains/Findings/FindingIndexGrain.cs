using Orleans.Concurrency;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// One shard of the durable set of keys that have a finding. Registrations are group-committed:
/// the grain is reentrant, keys that arrive while a write is in flight join the next write, so a
/// burst of new keys costs one whole-set write per storage round trip instead of one per key.
/// Register still returns only once its key is durable.
/// </summary>
[Reentrant]
public sealed class FindingIndexGrain(
    [PersistentState("index", StorageNames.Findings)] IPersistentState<FindingIndexState> state) : Grain, IFindingIndexGrain
{
    // Every change of the in-memory set bumps _changed; _durable is the last change on disk.
    private long _changed;
    private long _durable;
    private Task? _writing;

    public async Task Register(string encodedKey)
    {
        if (state.State.Keys.Add(encodedKey))
        {
            _changed++;
        }

        // Also for a key already in the set: it may have been added by a write still in flight
        // (or one that failed), and the caller must not go on before it is durable.
        var needed = _changed;
        while (_durable < needed)
        {
            // Turns run one at a time, so checking and starting the write cannot race. A finished
            // write (even a failed one) is replaced; a failure reaches its callers through the await.
            if (_writing is null || _writing.IsCompleted)
            {
                _writing = WriteAsync();
            }

            await _writing;
        }
    }

    public Task<string[]> GetKeys() => Task.FromResult(state.State.Keys.ToArray());

    private async Task WriteAsync()
    {
        var covered = _changed;
        try
        {
            await state.WriteStateAsync();
            _durable = Math.Max(_durable, covered);
        }
        catch
        {
            // The next activation re-reads what is really stored.
            DeactivateOnIdle();
            throw;
        }
    }
}

[GenerateSerializer, Alias("certexportgrid.FindingIndexState")]
public sealed class FindingIndexState
{
    [Id(0)] public HashSet<string> Keys { get; set; } = new(StringComparer.Ordinal);
}
