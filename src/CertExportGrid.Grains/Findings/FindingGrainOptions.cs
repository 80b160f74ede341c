namespace CertExportGrid.Grains.Findings;

/// <summary>Options of the finding grains (configuration section CertExportGrid:Grains).</summary>
public sealed class FindingGrainOptions
{
    /// <summary>
    /// How many recent event identities each (dest, subject) remembers for de-duplication
    /// (default 4,096). A re-send older than that many newer distinct events of the same key
    /// would count again.
    /// </summary>
    public int DedupWindow { get; set; } = 4_096;

    /// <summary>Timeout of the call that publishes a finding update (default 5 s).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Keys per stored page of a finding index shard (default 128). A new key rewrites only its
    /// page, so registration costs O(page) whatever the number of keys; smaller pages write fewer
    /// bytes per new key, larger ones mean fewer records to read when a shard activates
    /// (docs/benchmarks.md measured 512, 256, 128 and 64).
    /// </summary>
    public int IndexPageSize { get; set; } = 128;

    /// <summary>Distinct collector identities remembered per finding for provenance (default 8).</summary>
    public int MaxCollectors { get; set; } = 8;
}
