using System.Text.Json;
using System.Text.Json.Serialization;

namespace CertExportGrid.Cli.Checkpoints;

/// <summary>One input file in a checkpoint.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Offset">Byte offset up to which every event was finally answered by the server.</param>
/// <param name="Line">The number of the last line before <paramref name="Offset"/> (0 at the start).</param>
/// <param name="IdentityLength">How many of the file's first bytes <paramref name="IdentitySha256"/> covers.</param>
/// <param name="IdentitySha256">SHA-256 (hex) of those bytes; see <see cref="FileIdentity"/>.</param>
internal sealed record FileCheckpoint(string Path, long Offset, int Line, int IdentityLength, string IdentitySha256);

/// <summary>The checkpoint file's content: <c>{"version":1,"files":[...]}</c>.</summary>
internal sealed record CheckpointDocument(int Version, IReadOnlyList<FileCheckpoint> Files);

/// <summary>The checkpoint could not be read (bad JSON, unknown version): a usage error, nothing is sent.</summary>
internal sealed class CheckpointFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads and writes a checkpoint file. Writes are atomic: the JSON goes to <c>FILE.tmp</c> in the same
/// directory, is flushed to disk (fsync), then renamed over <c>FILE</c>, so a crash leaves either the old
/// or the new checkpoint, never a torn one. (The directory itself is not fsynced, which .NET cannot do;
/// after a power loss the rename may be undone, leaving the older, still valid checkpoint.)
/// Files the current run does not track are kept as they were, so one checkpoint can serve runs over
/// different sets of files.
/// </summary>
internal sealed class CheckpointStore
{
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly Lock _writeLock = new();
    private readonly Dictionary<string, FileCheckpoint> _entries;

    private CheckpointStore(string path, Dictionary<string, FileCheckpoint> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    /// <summary>Opens the checkpoint at <paramref name="path"/>; a missing file is an empty checkpoint.</summary>
    /// <exception cref="CheckpointFormatException">The file exists but is not a checkpoint this version reads.</exception>
    public static CheckpointStore Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var entries = new Dictionary<string, FileCheckpoint>(StringComparer.Ordinal);
        if (!File.Exists(full))
            return new CheckpointStore(full, entries);

        var bytes = File.ReadAllBytes(full);
        // An empty file (made with touch, as for watch --state) means no checkpoint yet.
        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
            return new CheckpointStore(full, entries);

        CheckpointDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<CheckpointDocument>(bytes, Json);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException($"checkpoint {full} is not valid JSON: {ex.Message}", ex);
        }

        if (document is null || document.Version != CurrentVersion || document.Files is null)
            throw new CheckpointFormatException($"checkpoint {full} is not a version {CurrentVersion} checkpoint.");
        foreach (var file in document.Files)
        {
            if (file?.Path is null || file.IdentitySha256 is null || file.Offset < 0 || file.Line < 0 || file.IdentityLength < 0)
                throw new CheckpointFormatException($"checkpoint {full} has an incomplete file entry.");
            entries[file.Path] = file;
        }

        return new CheckpointStore(full, entries);
    }

    public FileCheckpoint? Find(string fullPath)
    {
        lock (_writeLock) return _entries.GetValueOrDefault(fullPath);
    }

    public IReadOnlyList<FileCheckpoint> Entries
    {
        get { lock (_writeLock) return [.. _entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal)]; }
    }

    /// <summary>Takes each cursor's confirmed position and writes the whole checkpoint atomically.</summary>
    public void Save(IEnumerable<FileCursor> cursors)
    {
        lock (_writeLock)
        {
            foreach (var cursor in cursors)
            {
                var (offset, line) = cursor.Confirmed;
                var length = FileIdentity.LengthFor(offset);
                if (cursor.Head.Length < length)
                    continue; // never claim an identity we did not read; keep the previous entry
                _entries[cursor.Path] = new FileCheckpoint(cursor.Path, offset, line, length, FileIdentity.Hash(cursor.Head, length));
            }

            var document = new CheckpointDocument(CurrentVersion, [.. _entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal)]);
            AtomicFile.Write(Path, JsonSerializer.SerializeToUtf8Bytes(document, Json));
        }
    }
}

/// <summary>Write to a temporary file, flush it to disk, rename it over the target.</summary>
internal static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var temp = TempOf(path);
        using (var stream = CreateTemp(temp))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    public static string TempOf(string path) => path + ".tmp";

    /// <summary>
    /// Creates the temporary file afresh: whatever a leftover of that name is (a symlink, a FIFO) is
    /// unlinked first and the new file is created exclusively, so a write never follows a link to
    /// another file or blocks on a pipe.
    /// </summary>
    public static FileStream CreateTemp(string temp)
    {
        if (Directory.Exists(temp))
            throw new IOException($"{temp} is a folder; the atomic write needs that name for its temporary file.");
        File.Delete(temp); // unlinks a symlink itself, never its target; no error when missing
        return new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
    }
}
