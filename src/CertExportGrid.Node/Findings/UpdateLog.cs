using System.Globalization;
using CertExportGrid.Grains;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// The gateway's recent finding updates, each with a position, so a subscriber that reconnects can
/// be given exactly what it missed. A ring of the last <c>capacity</c> updates; positions are
/// "{epoch}.{sequence}", where the epoch changes on every start, so a position from before a
/// restart (or from another gateway) is recognised as unavailable instead of being misread.
/// Not thread-safe: the broadcaster serialises access.
/// </summary>
public sealed class UpdateLog(int capacity)
{
    private readonly (long Sequence, FindingSnapshot Update)[] _ring = new (long, FindingSnapshot)[capacity];

    public string Epoch { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Sequence of the newest update (0 before the first).</summary>
    public long Newest { get; private set; }

    /// <summary>Sequence of the oldest update still held.</summary>
    public long Oldest => Math.Max(1, Newest - _ring.Length + 1);

    public long Append(FindingSnapshot update)
    {
        Newest++;
        _ring[Newest % _ring.Length] = (Newest, update);
        return Newest;
    }

    /// <summary>True when every update after <paramref name="afterSequence"/> is still held.</summary>
    public bool Holds(long afterSequence) => afterSequence <= Newest && afterSequence >= Oldest - 1;

    /// <summary>
    /// Adds to <paramref name="into"/> the next updates after <paramref name="afterSequence"/> that
    /// <paramref name="matches"/> accepts, oldest first, until it holds <paramref name="max"/> or the
    /// newest was read; <paramref name="readThrough"/> is the last sequence looked at. False (and
    /// nothing read) when some of those updates are no longer held.
    /// </summary>
    public bool TryReadAfter(long afterSequence, int max, Func<FindingSnapshot, bool> matches, List<(long Sequence, FindingSnapshot Update)> into, out long readThrough)
    {
        readThrough = afterSequence;
        if (!Holds(afterSequence))
        {
            return false;
        }

        for (var sequence = afterSequence + 1; sequence <= Newest && into.Count < max; sequence++)
        {
            var entry = _ring[sequence % _ring.Length];
            if (matches(entry.Update))
            {
                into.Add(entry);
            }

            readThrough = sequence;
        }

        return true;
    }

    public string PositionOf(long sequence) => $"{Epoch}.{sequence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses a position; null when it is malformed, a sequence when it belongs to this epoch, -1 when to another.</summary>
    public long? SequenceOf(string position)
    {
        var dot = position.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(position.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return null;
        }

        return position.AsSpan(0, dot).SequenceEqual(Epoch) ? sequence : -1;
    }
}
