using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;
using CertExportGrid.Node.Ingest;

namespace CertExportGrid.Node.Findings;

/// <summary>Reads current findings: keys from the index shards, state from the finding grains.</summary>
public sealed class FindingsQuery(IGrainFactory grains, FindingGrains findings)
{
    private const int FetchParallelism = 64;

    /// <summary>Matching keys in (dest, subject) ordinal order.</summary>
    public async Task<IReadOnlyList<FindingKey>> MatchingKeysAsync(FindingMatcher matcher, CancellationToken cancellationToken)
    {
        IEnumerable<FindingKey> keys;
        if (matcher.ExactKeys is { } exact)
        {
            keys = exact.Select(pair => new FindingKey(pair.Dest, pair.Subject));
        }
        else
        {
            var shards = await Task.WhenAll(Enumerable.Range(0, IFindingIndexGrain.ShardCount)
                .Select(shard => grains.GetGrain<IFindingIndexGrain>(shard).GetKeys()))
                .WaitAsync(cancellationToken);
            keys = shards.SelectMany(shard => shard)
                .Select(encoded => FindingKey.TryDecode(encoded, out var key) ? key : (FindingKey?)null)
                .OfType<FindingKey>()
                .Where(key => matcher.Matches(key.Dest, key.Subject));
        }

        return [.. keys.Distinct().Order(KeyOrder.Instance)];
    }

    /// <summary>The current findings of the given keys, in the same order; keys without a finding are skipped.</summary>
    public async Task<IReadOnlyList<FindingSnapshot>> FetchAsync(IReadOnlyList<FindingKey> keys, bool includeRows, CancellationToken cancellationToken)
    {
        var results = new FindingSnapshot?[keys.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, keys.Count),
            new ParallelOptions { MaxDegreeOfParallelism = FetchParallelism, CancellationToken = cancellationToken },
            async (i, _) => results[i] = await findings.Get(keys[i].Encode()).GetFinding(includeRows));
        return [.. results.OfType<FindingSnapshot>()];
    }

    public sealed class KeyOrder : IComparer<FindingKey>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(FindingKey x, FindingKey y)
        {
            var byDest = string.CompareOrdinal(x.Dest, y.Dest);
            return byDest != 0 ? byDest : string.CompareOrdinal(x.Subject, y.Subject);
        }
    }
}
