namespace CertExportGrid.Grains.Findings;

/// <summary>Stable shard choice for an encoded key (FNV-1a; string.GetHashCode is randomised per process).</summary>
public static class FindingIndexShard
{
    public static long Of(string encodedKey)
    {
        var hash = 2166136261u;
        foreach (var c in encodedKey)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash % IFindingIndexGrain.ShardCount;
    }
}
