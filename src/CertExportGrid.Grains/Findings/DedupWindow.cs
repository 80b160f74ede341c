using System.Buffers;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// The bounded memory of event identities already counted for one key: exactly the last
/// <c>capacity</c> distinct identities, in arrival order. A re-send of an identity that has been
/// evicted would count again, so the capacity is the documented de-duplication window.
/// </summary>
/// <remarks>
/// Held in memory as a ring plus a set; persisted as a compact blob (<see cref="Encode"/>): one format
/// byte, the count, then per identity (oldest first) the channel code and the zigzag varint deltas
/// of record id and time ticks from the previous identity. A full 4,096-identity window of real
/// events is a few bytes per identity instead of the serializer's generic per-field encoding of a
/// list of structs, which every grain write used to carry.
/// </remarks>
internal sealed class DedupWindow
{
    private const byte FormatV1 = 1;

    private readonly HashSet<EventIdentity> _set;
    private readonly int _capacity;
    private EventIdentity[] _ring;
    private int _head; // index of the oldest identity
    private int _count;

    /// <param name="encoded">The blob written by <see cref="Encode"/> (null or empty: nothing remembered).</param>
    /// <param name="legacy">Identities persisted by older versions as a list, oldest first; read when there is no blob.</param>
    /// <param name="capacity">How many distinct identities to remember.</param>
    public DedupWindow(byte[]? encoded, IReadOnlyList<EventIdentity>? legacy, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _ring = new EventIdentity[Math.Min(capacity, 16)];
        _set = [];
        if (encoded is { Length: > 0 })
        {
            Decode(encoded);
        }
        else if (legacy is not null)
        {
            foreach (var identity in legacy)
            {
                TryAdd(identity);
            }
        }
    }

    /// <summary>Identities currently remembered.</summary>
    public int Count => _count;

    /// <summary>Adds the identity; false when it was already counted.</summary>
    public bool TryAdd(EventIdentity identity)
    {
        if (!_set.Add(identity))
        {
            return false;
        }

        if (_count == _capacity)
        {
            // Full: the oldest makes room, in place.
            _set.Remove(_ring[_head]);
            _ring[_head] = identity;
            _head = (_head + 1) % _ring.Length;
            return true;
        }

        if (_count == _ring.Length)
        {
            Grow();
        }

        _ring[(_head + _count) % _ring.Length] = identity;
        _count++;
        return true;
    }

    /// <summary>The remembered identities, oldest first.</summary>
    public IEnumerable<EventIdentity> Identities()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _ring[(_head + i) % _ring.Length];
        }
    }

    /// <summary>The compact persisted form of the window (see the remarks of the type).</summary>
    public byte[] Encode()
    {
        // Worst case per identity: channel byte + two 10-byte varints.
        var buffer = ArrayPool<byte>.Shared.Rent(1 + 5 + (_count * 21));
        try
        {
            var at = 0;
            buffer[at++] = FormatV1;
            at += WriteVarint(buffer.AsSpan(at), (uint)_count);
            long previousRecord = 0, previousTicks = 0;
            for (var i = 0; i < _count; i++)
            {
                var identity = _ring[(_head + i) % _ring.Length];
                buffer[at++] = identity.ChannelCode;
                at += WriteVarint(buffer.AsSpan(at), ZigZag(identity.RecordId - previousRecord));
                at += WriteVarint(buffer.AsSpan(at), ZigZag(identity.TimeTicks - previousTicks));
                previousRecord = identity.RecordId;
                previousTicks = identity.TimeTicks;
            }

            return buffer.AsSpan(0, at).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Decode(ReadOnlySpan<byte> data)
    {
        if (data[0] != FormatV1)
        {
            throw new InvalidDataException($"Unknown de-duplication window format {data[0]}.");
        }

        var at = 1;
        var count = (int)ReadVarint(data, ref at);
        if (count > _ring.Length)
        {
            _ring = new EventIdentity[Math.Min(count, _capacity)];
            _set.EnsureCapacity(_ring.Length + 1);
        }

        long record = 0, ticks = 0;
        for (var i = 0; i < count; i++)
        {
            var channel = data[at++];
            record += UnZigZag(ReadVarint(data, ref at));
            ticks += UnZigZag(ReadVarint(data, ref at));
            TryAdd(new EventIdentity(channel, record, ticks));
        }

        if (at != data.Length)
        {
            throw new InvalidDataException("The de-duplication window has trailing bytes.");
        }
    }

    private void Grow()
    {
        var grown = new EventIdentity[Math.Min(_capacity, _ring.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = grown;
        _head = 0;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    private static int WriteVarint(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A varint in the de-duplication window is too long.");
    }
}
