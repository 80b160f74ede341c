using System.Buffers;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// The bounded memory of event identities already counted for one key: exactly the last
/// <c>capacity</c> distinct identities, in arrival order. A re-send of an identity that has been
/// evicted would count again, so the capacity is the documented de-duplication window.
/// </summary>
/// <remarks>
/// Held in memory as a ring plus a set. Persisted in chunks, each one self-contained: a format
/// byte, the count, then per identity (oldest first) the channel code and the zigzag varint deltas
/// of record id and time ticks from the previous identity, a few bytes each. A chunk is sealed once
/// it holds <c>min(256, capacity)</c> identities; sealed chunks are stored once, as records of their
/// own (<see cref="DedupChunkStore"/>), and only the identities added since the last seal travel
/// with every write of the finding (<see cref="EncodeOpen"/>). The oldest chunk is dropped once
/// every identity in it has been evicted, so the chunks hold at most about one chunk more than the
/// window; loading replays them in order through the same ring, which keeps exactly the last
/// <c>capacity</c>, as before the restart.
/// </remarks>
internal sealed class DedupWindow
{
    private const byte FormatV1 = 1;
    private const int MaxChunk = 256;

    private readonly HashSet<EventIdentity> _set;
    private readonly int _capacity;
    private readonly int _chunkSize;
    private EventIdentity[] _ring;
    private int _head; // index of the oldest identity
    private int _count;

    private Queue<DedupChunk>? _sealed;
    private List<DedupChunk>? _trimmed; // dropped since the last TakeTrimmed
    private int _sealedIdentities;
    private int _open; // newest identities not in a sealed chunk yet

    /// <param name="sealedChunks">Sealed chunks, oldest first (as stored by <see cref="DedupChunkStore"/>).</param>
    /// <param name="openChunks">Identities stored with the finding itself, oldest first, all newer than
    /// the sealed chunks: the open chunk (or, from earlier versions, the whole window as one or more
    /// blobs). They are replayed as new identities and sealed again as they fill.</param>
    /// <param name="legacy">Identities persisted by older versions as a list, oldest first.</param>
    /// <param name="capacity">How many distinct identities to remember.</param>
    public DedupWindow(IReadOnlyList<DedupChunk>? sealedChunks, IReadOnlyList<byte[]>? openChunks, IReadOnlyList<EventIdentity>? legacy, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _chunkSize = Math.Min(MaxChunk, capacity);
        // Most keys see a handful of exports: start small, grow by doubling.
        _ring = new EventIdentity[Math.Min(capacity, 2)];
        _set = [];
        foreach (var chunk in sealedChunks ?? [])
        {
            // Kept as they are: loading never re-encodes what is already sealed.
            Decode(chunk.Blob, TryAddToRing);
            (_sealed ??= new Queue<DedupChunk>()).Enqueue(chunk);
            _sealedIdentities += chunk.Count;
        }

        Trim();
        foreach (var blob in openChunks ?? [])
        {
            Decode(blob, identity => TryAdd(identity));
        }

        foreach (var identity in legacy ?? [])
        {
            TryAdd(identity);
        }
    }

    /// <summary>Identities currently remembered.</summary>
    public int Count => _count;

    /// <summary>Identities in the persisted form (sealed chunks plus the open ones): at least <see cref="Count"/>.</summary>
    public int PersistedCount => _sealedIdentities + _open;

    /// <summary>Adds the identity; false when it was already counted.</summary>
    public bool TryAdd(EventIdentity identity)
    {
        if (!TryAddToRing(identity))
        {
            return false;
        }

        if (++_open == _chunkSize)
        {
            (_sealed ??= new Queue<DedupChunk>()).Enqueue(new DedupChunk(EncodeNewest(_open), _open));
            SealedChanges++;
            _sealedIdentities += _open;
            _open = 0;
        }

        Trim();
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

    /// <summary>Goes up whenever a chunk is sealed or dropped, so a caller can tell <see cref="Sealed"/> changed without walking it.</summary>
    public int SealedChanges { get; private set; }

    /// <summary>The sealed chunks still needed, oldest first (some may not be stored yet: no record id).</summary>
    public IEnumerable<DedupChunk> Sealed => _sealed ?? Enumerable.Empty<DedupChunk>();

    /// <summary>The identities added since the last seal, encoded now (fewer than one chunk); null when none.</summary>
    public byte[]? EncodeOpen() => _open > 0 ? EncodeNewest(_open) : null;

    /// <summary>Sealed chunks dropped since the last call (all their identities were evicted).</summary>
    public List<DedupChunk> TakeTrimmed()
    {
        var trimmed = _trimmed ?? [];
        _trimmed = null;
        return trimmed;
    }

    /// <summary>Drops the oldest sealed chunk while the rest still cover every remembered identity.</summary>
    private void Trim()
    {
        while (_sealed is { Count: > 0 } && _sealedIdentities - _sealed.Peek().Count + _open >= _count)
        {
            var dropped = _sealed.Dequeue();
            _sealedIdentities -= dropped.Count;
            SealedChanges++;
            if (dropped.RecordId is not null)
            {
                (_trimmed ??= []).Add(dropped);
            }
        }
    }

    /// <summary>Encodes the newest <paramref name="count"/> identities, oldest of them first.</summary>
    private byte[] EncodeNewest(int count)
    {
        // Worst case per identity: channel byte + two 10-byte varints.
        var buffer = ArrayPool<byte>.Shared.Rent(1 + 5 + (count * 21));
        try
        {
            var at = 0;
            buffer[at++] = FormatV1;
            at += WriteVarint(buffer.AsSpan(at), (uint)count);
            long previousRecord = 0, previousTicks = 0;
            for (var i = _count - count; i < _count; i++)
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

    /// <summary>Decodes one chunk, handing each identity to <paramref name="add"/> in order; returns how many it holds.</summary>
    private int Decode(ReadOnlySpan<byte> data, Func<EventIdentity, bool> add)
    {
        if (data.Length == 0 || data[0] != FormatV1)
        {
            throw new InvalidDataException($"Unknown de-duplication window format {(data.Length == 0 ? "(empty chunk)" : data[0])}.");
        }

        var at = 1;
        var count = (int)ReadVarint(data, ref at);
        if (count > _ring.Length && _ring.Length < _capacity)
        {
            GrowTo(Math.Min(_capacity, Math.Max(count, _ring.Length * 2)));
        }

        long record = 0, ticks = 0;
        for (var i = 0; i < count; i++)
        {
            var channel = data[at++];
            record += UnZigZag(ReadVarint(data, ref at));
            ticks += UnZigZag(ReadVarint(data, ref at));

            // A repeat is possible only if the capacity grew since the write (the identity was
            // evicted then and legitimately counted again); remembering it once is right.
            add(new EventIdentity(channel, record, ticks));
        }

        if (at != data.Length)
        {
            throw new InvalidDataException("The de-duplication window has trailing bytes.");
        }

        return count;
    }

    /// <summary>A stored sealed chunk, as read back from its record.</summary>
    public static DedupChunk StoredChunk(byte[] blob, Guid recordId, string? etag)
    {
        if (blob.Length == 0 || blob[0] != FormatV1)
        {
            throw new InvalidDataException($"De-duplication chunk record '{DedupChunkStore.NameOf(recordId)}' has an unknown format.");
        }

        var at = 1;
        var count = (int)ReadVarint(blob, ref at);
        return new DedupChunk(blob, count) { RecordId = recordId, ETag = etag };
    }

    /// <summary>Remembers the identity, evicting the oldest when full; false when already remembered.</summary>
    private bool TryAddToRing(EventIdentity identity)
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

    private void Grow() => GrowTo(Math.Min(_capacity, _ring.Length * 2));

    private void GrowTo(int length)
    {
        var grown = new EventIdentity[length];
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

/// <summary>
/// One sealed chunk of a de-duplication window: its encoded identities, and once stored, the name
/// and ETag of its record (<see cref="DedupChunkStore"/>).
/// </summary>
internal sealed class DedupChunk(byte[] blob, int count)
{
    public byte[] Blob { get; } = blob;

    public int Count { get; } = count;

    /// <summary>Id of the chunk's record once stored; the record's name is <see cref="DedupChunkStore.NameOf"/>.</summary>
    public Guid? RecordId { get; set; }

    public string? RecordName => RecordId is { } id ? DedupChunkStore.NameOf(id) : null;

    public string? ETag { get; set; }
}
