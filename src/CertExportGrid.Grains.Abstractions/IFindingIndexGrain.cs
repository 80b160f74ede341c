namespace CertExportGrid.Grains;

/// <summary>
/// One shard of the durable list of keys that have a finding, so findings can be listed after a
/// restart without scanning storage. Shard = stable hash of the key modulo <see cref="ShardCount"/>.
/// </summary>
[Alias("certexportgrid.IFindingIndexGrain")]
public interface IFindingIndexGrain : IGrainWithIntegerKey
{
    /// <summary>Fixed forever: changing it would orphan persisted shards.</summary>
    public const int ShardCount = 64;

    /// <summary>Records a key durably (idempotent).</summary>
    [Alias("Register")]
    Task Register(string encodedKey);

    [Alias("GetKeys")]
    Task<string[]> GetKeys();
}
