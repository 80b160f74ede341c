using CertExportGrid.Cli.Checkpoints;
using CertExportGrid.Cli.Replay;
using CertExportGrid.Contracts.V1;
using Google.Protobuf;

namespace CertExportGrid.Cli.Delivery;

/// <summary>Turns the lines of a chunk into events to send, registering each with the file's cursor.</summary>
internal static class ChunkIntake
{
    /// <summary>Added to the server's rejection of a line that looks like UTF-16 inside a UTF-8 file.</summary>
    public const string Utf16LineNote =
        "this line looks like UTF-16 text (a 00 byte in every other byte) inside a UTF-8 file; re-save the file as UTF-8, or as UTF-16 with a byte order mark";

    public static List<PendingEvent> Take(FileCursor cursor, string displayName, EventFileChunk chunk, long chunkStart, ReplayTally tally)
    {
        var events = new List<PendingEvent>(chunk.Lines.Count);
        foreach (var line in chunk.Lines)
        {
            if (line.DecodeError is not null)
            {
                // Rejected here, never sent: final at once.
                tally.LocalRejection(displayName, line.Number, RejectReason.InvalidEncoding, line.DecodeError);
                cursor.RegisterFinal(line.EndOffset, line.Number);
                continue;
            }

            events.Add(new PendingEvent(displayName, line.Number, ToEvent(line))
            {
                Cursor = cursor,
                Ordinal = cursor.Register(line.EndOffset, line.Number),
                Note = line.LooksUtf16 ? Utf16LineNote : null,
            });
        }

        // Blank lines after the last event (and a byte order mark alone) are done as soon as everything before them is.
        if (chunk.EndOffset > chunkStart)
            cursor.RegisterFinal(chunk.EndOffset, chunk.EndLine);
        tally.LinesRead(chunk.Lines.Count);
        return events;
    }

    private static Event ToEvent(EventLine line) =>
        line.IsUtf8
            // The chunk's bytes are not touched after reading, so wrapping them without a copy is safe.
            ? new Event { XmlUtf8 = UnsafeByteOperations.UnsafeWrap(line.Utf8) }
            : new Event { Xml = line.Text };
}
