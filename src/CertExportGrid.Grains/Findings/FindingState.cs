namespace CertExportGrid.Grains.Findings;

/// <summary>The persisted aggregate of one (dest, subject).</summary>
[GenerateSerializer, Alias("certexportgrid.FindingState")]
public sealed class FindingState
{
    [Id(0)] public string Dest { get; set; } = "";
    [Id(1)] public string Subject { get; set; } = "";
    [Id(2)] public long Count { get; set; }
    [Id(3)] public long FirstTicks { get; set; }
    [Id(4)] public long LastTicks { get; set; }
    [Id(5)] public long Version { get; set; }

    /// <summary>One row per distinct UserData_Xml, as the search's stats BY splits them.</summary>
    [Id(6)] public Dictionary<string, RowAggregate> Rows { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The export with the greatest event time (ties: the one applied last).</summary>
    [Id(7)] public ExportDetails? LastExport { get; set; }
    [Id(8)] public string[] LastSubjectNames { get; set; } = [];

    /// <summary>
    /// Identities of recently counted events as older versions stored them, oldest first. Read once
    /// on activation; new writes leave it empty and use <see cref="EncodedDedupWindow"/>.
    /// </summary>
    [Id(9)] public List<EventIdentity>? RecentIdentities { get; set; }

    /// <summary>True once the key is recorded in its index shard.</summary>
    [Id(10)] public bool Indexed { get; set; }

    /// <summary>Provenance: the last few distinct collector identities that sent counted events, most recent last.</summary>
    [Id(11)] public List<string> Collectors { get; set; } = [];

    /// <summary>The collector identity of the most recently counted event (arrival order).</summary>
    [Id(12)] public string? LastCollector { get; set; }

    /// <summary>Counted events that matched a suppression rule when they were counted.</summary>
    [Id(13)] public long SuppressedCount { get; set; }

    /// <summary>
    /// The de-duplication window as one blob, as the previous version wrote it (it is one chunk of
    /// <see cref="DedupChunks"/>). Read once on activation; new writes leave it null.
    /// </summary>
    [Id(14)] public byte[]? EncodedDedupWindow { get; set; }

    /// <summary>
    /// The de-duplication identities not in a stored sealed chunk, oldest first: the open chunk
    /// (<see cref="DedupWindow.EncodeOpen"/>). Set just before each write and dropped after it; the
    /// live window is the grain's <see cref="DedupWindow"/>. (A version of this session stored every
    /// chunk here; those load too.)
    /// </summary>
    [Id(15)] public List<byte[]>? DedupChunks { get; set; }

    /// <summary>
    /// Record names of the stored sealed chunks of the de-duplication window, oldest first
    /// (<see cref="DedupChunkStore"/>). All of them are older than <see cref="DedupChunks"/>.
    /// </summary>
    [Id(16)] public List<string>? DedupChunkRecords { get; set; }

    /// <summary>
    /// The stored sealed chunks of the de-duplication window as record ids, oldest first (record
    /// "dedup-&lt;id&gt;", <see cref="DedupChunkStore"/>). Replaces <see cref="DedupChunkRecords"/>,
    /// which older versions wrote and which is still read: 16 bytes per chunk instead of a string
    /// that every write of the finding had to encode again (profiled at about 2.5 % of server CPU).
    /// </summary>
    [Id(17)] public List<Guid>? DedupChunkIds { get; set; }
}

/// <summary>count, min(_time), max(_time) of one Splunk row.</summary>
[GenerateSerializer, Alias("certexportgrid.RowAggregate")]
public sealed class RowAggregate
{
    [Id(0)] public long Count { get; set; }
    [Id(1)] public long FirstTicks { get; set; }
    [Id(2)] public long LastTicks { get; set; }

    /// <summary>ProcessName / AccountName of the row (part of its UserData_Xml), for suppression rules.</summary>
    [Id(3)] public string? Process { get; set; }
    [Id(4)] public string? Account { get; set; }
}

/// <summary>
/// The de-duplication identity of an event within its (dest, subject): Computer is the grain's
/// dest, so (Channel, EventRecordID, SystemTime) completes SPEC §4's (Computer, Channel,
/// EventRecordID, SystemTime). Record ids restart when a log is cleared, hence the time.
/// </summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.EventIdentity")]
public readonly record struct EventIdentity(
    [property: Id(0)] byte ChannelCode,
    [property: Id(1)] long RecordId,
    [property: Id(2)] long TimeTicks);
