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

    /// <summary>Updates after <paramref name="afterSequence"/>, oldest first; false when some are no longer held.</summary>
    public bool TryReadAfter(long afterSequence, out List<(long Sequence, FindingSnapshot Update)> updates)
    {
        updates = [];
        if (afterSequence > Newest || afterSequence < Oldest - 1)
        {
            return false;
        }

        for (var sequence = afterSequence + 1; sequence <= Newest; sequence++)
        {
            updates.Add(_ring[sequence % _ring.Length]);
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
