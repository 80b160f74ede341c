using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// Stores a finding's sealed de-duplication chunks as records of their own, next to the finding's
/// state in the same grain storage (record names "dedup-&lt;guid&gt;"; the finding lists the GUIDs),
/// so a write of the finding carries only the open chunk instead of the whole window.
/// </summary>
/// <remarks>
/// Order makes it safe without a transaction across records: a chunk is stored before the finding
/// state that names it is written, and deleted only after a state that no longer names it is
/// durable. A crash in between leaves at most an unreferenced record (never a state naming a missing
/// one); names are fresh GUIDs, so such a leftover is never mistaken for a live chunk.
/// </remarks>
internal sealed partial class DedupChunkStore(IGrainStorage storage, GrainId grainId, ILogger logger)
{
    private const string NamePrefix = "dedup-";

    /// <summary>The record name of chunk <paramref name="id"/>: "dedup-" and 32 hex digits.</summary>
    public static string NameOf(Guid id) => $"{NamePrefix}{id:N}";

    /// <summary>
    /// The ids of chunk records as older versions listed them, by name. Every name they wrote is
    /// <see cref="NameOf"/> of a GUID; anything else cannot be a record of ours.
    /// </summary>
    public static List<Guid> IdsOf(IEnumerable<string> names) =>
        [.. names.Select(name => name.StartsWith(NamePrefix, StringComparison.Ordinal)
            && Guid.TryParseExact(name.AsSpan(NamePrefix.Length), "N", out var id)
                ? id
                : throw new InvalidDataException($"'{name}' is not a de-duplication chunk record name."))];

    /// <summary>Reads the chunks, oldest first. A missing record is logged and skipped.</summary>
    public async Task<List<DedupChunk>> ReadAsync(IReadOnlyList<Guid>? ids)
    {
        var chunks = new List<DedupChunk>(ids?.Count ?? 0);
        foreach (var id in ids ?? [])
        {
            var name = NameOf(id);
            var record = new GrainState<DedupChunkRecord>(new DedupChunkRecord());
            await storage.ReadStateAsync(name, grainId, record);
            if (!record.RecordExists || record.State?.Blob is not { Length: > 0 } blob)
            {
                // The window is then smaller than configured until it refills; counting goes on.
                LogChunkMissing(logger, name, grainId);
                continue;
            }

            chunks.Add(DedupWindow.StoredChunk(blob, id, record.ETag));
        }

        return chunks;
    }

    /// <summary>Stores every sealed chunk that has no record yet.</summary>
    public async ValueTask StoreNewAsync(IEnumerable<DedupChunk> chunks)
    {
        // Most writes seal nothing: find out without allocating before starting any store.
        List<Task>? stores = null;
        foreach (var chunk in chunks)
        {
            if (chunk.RecordId is null)
            {
                (stores ??= []).Add(StoreAsync(chunk));
            }
        }

        if (stores is not null)
        {
            await Task.WhenAll(stores);
        }
    }

    /// <summary>Deletes chunks no durable state names any more; a failure only leaves a stray record.</summary>
    public async Task DeleteAsync(IReadOnlyList<DedupChunk> chunks)
    {
        foreach (var chunk in chunks)
        {
            try
            {
                var record = new GrainState<DedupChunkRecord>(new DedupChunkRecord()) { ETag = chunk.ETag, RecordExists = true };
                await storage.ClearStateAsync(chunk.RecordName!, grainId, record);
            }
            catch (Exception exception)
            {
                LogDeleteFailed(logger, exception, chunk.RecordName!, grainId);
            }
        }
    }

    private async Task StoreAsync(DedupChunk chunk)
    {
        var id = Guid.NewGuid();
        var record = new GrainState<DedupChunkRecord>(new DedupChunkRecord { Blob = chunk.Blob });
        await storage.WriteStateAsync(NameOf(id), grainId, record);
        chunk.RecordId = id;
        chunk.ETag = record.ETag;
    }

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "De-duplication chunk {Name} of {GrainId} is missing; the window is smaller until it refills")]
    private static partial void LogChunkMissing(ILogger logger, string name, GrainId grainId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Deleting the evicted de-duplication chunk {Name} of {GrainId} failed; the record stays unused")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, string name, GrainId grainId);
}

/// <summary>One stored sealed chunk (<see cref="DedupWindow"/> format).</summary>
[GenerateSerializer, Alias("certexportgrid.DedupChunkRecord")]
public sealed class DedupChunkRecord
{
    [Id(0)] public byte[]? Blob { get; set; }
}
