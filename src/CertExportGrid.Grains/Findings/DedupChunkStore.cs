using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// Stores a finding's sealed de-duplication chunks as records of their own, next to the finding's
/// state in the same grain storage (record names "dedup-&lt;guid&gt;"), so a write of the finding
/// carries only the open chunk instead of the whole window.
/// </summary>
/// <remarks>
/// Order makes it safe without a transaction across records: a chunk is stored before the finding
/// state that names it is written, and deleted only after a state that no longer names it is
/// durable. A crash in between leaves at most an unreferenced record (never a state naming a missing
/// one); names are fresh GUIDs, so such a leftover is never mistaken for a live chunk.
/// </remarks>
internal sealed partial class DedupChunkStore(IGrainStorage storage, GrainId grainId, ILogger logger)
{
    /// <summary>Reads the named chunks, oldest first. A missing record is logged and skipped.</summary>
    public async Task<List<DedupChunk>> ReadAsync(IReadOnlyList<string>? names)
    {
        var chunks = new List<DedupChunk>(names?.Count ?? 0);
        foreach (var name in names ?? [])
        {
            var record = new GrainState<DedupChunkRecord>(new DedupChunkRecord());
            await storage.ReadStateAsync(name, grainId, record);
            if (!record.RecordExists || record.State?.Blob is not { Length: > 0 } blob)
            {
                // The window is then smaller than configured until it refills; counting goes on.
                LogChunkMissing(logger, name, grainId);
                continue;
            }

            chunks.Add(DedupWindow.StoredChunk(blob, name, record.ETag));
        }

        return chunks;
    }

    /// <summary>Stores every sealed chunk that has no record yet.</summary>
    public Task StoreNewAsync(IEnumerable<DedupChunk> chunks) =>
        Task.WhenAll(chunks.Where(chunk => chunk.RecordName is null).Select(StoreAsync));

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
        var name = $"dedup-{Guid.NewGuid():N}";
        var record = new GrainState<DedupChunkRecord>(new DedupChunkRecord { Blob = chunk.Blob });
        await storage.WriteStateAsync(name, grainId, record);
        chunk.RecordName = name;
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
