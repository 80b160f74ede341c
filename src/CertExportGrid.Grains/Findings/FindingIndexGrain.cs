namespace CertExportGrid.Grains.Findings;

/// <summary>One shard of the durable set of keys that have a finding.</summary>
public sealed class FindingIndexGrain(
    [PersistentState("index", StorageNames.Findings)] IPersistentState<FindingIndexState> state) : Grain, IFindingIndexGrain
{
    public async Task Register(string encodedKey)
    {
        if (state.State.Keys.Add(encodedKey))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<string[]> GetKeys() => Task.FromResult(state.State.Keys.ToArray());
}

[GenerateSerializer, Alias("certexportgrid.FindingIndexState")]
public sealed class FindingIndexState
{
    [Id(0)] public HashSet<string> Keys { get; set; } = new(StringComparer.Ordinal);
}
