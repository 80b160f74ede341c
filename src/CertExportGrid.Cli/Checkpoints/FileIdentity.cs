using System.Security.Cryptography;

namespace CertExportGrid.Cli.Checkpoints;

/// <summary>
/// Tells whether the file now at a path is the file a checkpoint was taken from. .NET offers no portable
/// device+inode, and creation times are unreliable on Linux file systems, so the identity is the content:
/// SHA-256 of the file's first min(4096, confirmed offset) bytes, plus "the file is at least as long as the
/// confirmed offset". Event lines carry their own record ids and times, so a rotated or replaced log starts
/// with different bytes; a truncated one is shorter. The first bytes of a log never change once written,
/// so an appended file keeps its identity.
/// Blind spot: a new file whose first 4 KiB are byte-for-byte the old file's (a copy of it) counts as the same.
/// </summary>
internal static class FileIdentity
{
    public const int HeadLength = 4096;

    /// <summary>The hash stored in a checkpoint: over the first <paramref name="length"/> bytes of <paramref name="head"/>.</summary>
    public static string Hash(ReadOnlySpan<byte> head, int length) =>
        Convert.ToHexStringLower(SHA256.HashData(head[..Math.Min(length, head.Length)]));

    /// <summary>How many head bytes identify a file confirmed up to <paramref name="confirmedOffset"/>.</summary>
    public static int LengthFor(long confirmedOffset) => (int)Math.Min(HeadLength, confirmedOffset);

    /// <summary>Reads up to <see cref="HeadLength"/> bytes from the start of a file.</summary>
    public static byte[] ReadHead(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        return ReadHead(stream);
    }

    public static byte[] ReadHead(Stream stream)
    {
        stream.Position = 0;
        var buffer = new byte[HeadLength];
        var read = stream.ReadAtLeast(buffer, HeadLength, throwOnEndOfStream: false);
        return buffer[..read];
    }

    /// <summary>
    /// True when the file at <paramref name="path"/> is the one <paramref name="checkpoint"/> describes:
    /// at least as long as its offset and with the same first bytes.
    /// </summary>
    public static bool Matches(string path, FileCheckpoint checkpoint)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length < checkpoint.Offset)
            return false;
        var head = ReadHead(path);
        return head.Length >= checkpoint.IdentityLength
            && string.Equals(Hash(head, checkpoint.IdentityLength), checkpoint.IdentitySha256, StringComparison.OrdinalIgnoreCase);
    }
}
