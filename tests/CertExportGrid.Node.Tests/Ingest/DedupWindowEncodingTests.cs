using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>
/// The de-duplication window persists as compact chunks: sealed ones are stored once and never
/// re-encoded, only the open one travels with each write; state written by older versions (the
/// window as a list, or as one blob) still loads.
/// </summary>
public sealed class DedupWindowEncodingTests
{
    [Fact]
    public void Encode_Decode_KeepsIdentitiesInOrder_IncludingExtremes()
    {
        EventIdentity[] identities =
        [
            new(1, -1, 638_500_000_000_000_000),
            new(2, long.MaxValue, 0),
            new(255, long.MinValue, long.MaxValue),
            new(0, 0, long.MinValue),
            new(1, 5_000_123, 638_500_000_123_456_789),
            new(1, 5_000_124, 638_500_000_113_456_789), // time going backwards
        ];
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 16);
        foreach (var identity in identities)
        {
            Assert.True(window.TryAdd(identity));
        }

        var decoded = Reload(window, capacity: 16);

        Assert.Equal(identities, decoded.Identities());
        Assert.All(identities, identity => Assert.False(decoded.TryAdd(identity)));
    }

    [Fact]
    public void Window_HoldsExactlyTheLastNDistinct_AcrossEncoding()
    {
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            window.TryAdd(Identity(i));
            window.TryAdd(Identity(i)); // duplicates never take a place
        }

        var decoded = Reload(window, capacity: 100);

        Assert.Equal(100, decoded.Count);
        Assert.Equal(Enumerable.Range(900, 100).Select(Identity), decoded.Identities());
        Assert.True(decoded.TryAdd(Identity(899)));   // evicted: counts again
        Assert.Equal(Enumerable.Range(901, 99).Select(Identity).Append(Identity(899)), decoded.Identities());
    }

    [Fact]
    public void Decode_WithSmallerCapacity_KeepsTheNewest()
    {
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 10);
        for (var i = 0; i < 10; i++)
        {
            window.TryAdd(Identity(i));
        }

        var smaller = Reload(window, capacity: 3);

        Assert.Equal([Identity(7), Identity(8), Identity(9)], smaller.Identities());
    }

    [Fact]
    public void EmptyWindow_RoundTrips()
    {
        var empty = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 4);
        Assert.Equal(0, Reload(empty, capacity: 4).Count);
    }

    [Fact]
    public void StateFromAnOlderVersion_WindowAsList_StillDeduplicates()
    {
        var serializer = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(FindingState).Assembly).AddAssembly(typeof(ExportDetails).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>();
        var old = new FindingState { Dest = "WKS-1", Subject = "CN=a", Count = 3, RecentIdentities = [Identity(1), Identity(2), Identity(3)] };

        var loaded = serializer.Deserialize<FindingState>(serializer.SerializeToArray(old))!;
        var window = new DedupWindow(sealedChunks: null, loaded.DedupChunks, loaded.RecentIdentities, capacity: 2);

        Assert.Null(loaded.DedupChunks);
        Assert.Equal([Identity(2), Identity(3)], window.Identities());
        Assert.False(window.TryAdd(Identity(3)));
    }

    [Fact]
    public void UnknownFormat_IsRefused()
    {
        Assert.Throws<InvalidDataException>(() => new DedupWindow(sealedChunks: null, [[99, 0]], legacy: null, capacity: 4));
    }

    [Fact]
    public void SealedChunks_AreNotReencoded_OnlyTheOpenOneIs_AndEvictedOnesAreReportedOnce()
    {
        // capacity 1,000: chunks of 256.
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 1_000);
        for (var i = 0; i < 600; i++)
        {
            window.TryAdd(Identity(i));
        }

        var first = window.Sealed.ToList();
        Assert.Equal(2, first.Count); // 256 + 256 sealed, 88 open
        Assert.Equal(88, OpenCount(window));
        foreach (var chunk in first)
        {
            chunk.RecordId = Guid.NewGuid(); // as DedupChunkStore does once stored
        }

        for (var i = 600; i < 5_000; i++)
        {
            window.TryAdd(Identity(i));
            Assert.InRange(window.PersistedCount, window.Count, window.Count + 256);
            Assert.InRange(OpenCount(window), 0, 255);
        }

        // The two stored chunks were evicted long ago: reported once, with their records.
        Assert.Equal(first, window.TakeTrimmed());
        Assert.Empty(window.TakeTrimmed());
        Assert.Equal(Enumerable.Range(4_000, 1_000).Select(Identity), Reload(window, capacity: 1_000).Identities());
    }

    [Fact]
    public void SealedChanges_GoesUpOnEverySealAndDrop_AndOnlyThen()
    {
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 4); // chunks of 4
        window.TryAdd(Identity(0));
        window.TryAdd(Identity(1));
        window.TryAdd(Identity(2));
        Assert.Equal(0, window.SealedChanges);
        window.TryAdd(Identity(3)); // seals the first chunk
        Assert.Equal(1, window.SealedChanges);
        window.TryAdd(Identity(3)); // a duplicate changes nothing
        Assert.Equal(1, window.SealedChanges);
        for (var i = 4; i < 8; i++)
        {
            window.TryAdd(Identity(i)); // evicts 0..3, then seals the second chunk and drops the first
        }

        Assert.Equal(3, window.SealedChanges);
        Assert.Single(window.Sealed);
    }

    [Theory]
    [InlineData("dedup-0f8fad5bd9cb469fa16570867728950e", true)]
    [InlineData("dedup-0F8FAD5BD9CB469FA16570867728950E", true)]
    [InlineData("dedup-0f8fad5b-d9cb-469f-a165-70867728950e", false)] // not the "N" form this code writes
    [InlineData("other-0f8fad5bd9cb469fa16570867728950e", false)]
    [InlineData("dedup-", false)]
    public void ChunkNamesOfEarlierVersions_MapToTheirIds(string name, bool valid)
    {
        if (!valid)
        {
            Assert.Throws<InvalidDataException>(() => DedupChunkStore.IdsOf([name]));
            return;
        }

        var id = Assert.Single(DedupChunkStore.IdsOf([name]));
        Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), id);
        Assert.Equal(name.ToLowerInvariant(), DedupChunkStore.NameOf(id));
    }

    [Fact]
    public void ReloadedSealedChunks_KeepTheirBlobs()
    {
        var window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 10);
        for (var i = 0; i < 25; i++)
        {
            window.TryAdd(Identity(i));
        }

        var stored = window.Sealed.Select((chunk, n) => DedupWindow.StoredChunk(chunk.Blob, Guid.NewGuid(), "1")).ToList();
        var reloaded = new DedupWindow(stored, [window.EncodeOpen()!], legacy: null, capacity: 10);

        Assert.Equal(window.Identities(), reloaded.Identities());
        Assert.Equal(stored.Select(chunk => chunk.Blob), reloaded.Sealed.Select(chunk => chunk.Blob));
    }

    [Fact]
    public void OneBlobFromThePreviousVersion_LoadsAsOneChunk()
    {
        // The previous version's whole-window blob has the chunk format: format 1, count 2, then
        // channel, zigzag record delta, zigzag ticks delta per identity.
        byte[] blob = [1, 2, 1, 2, 4, 1, 2, 2];
        var window = new DedupWindow(sealedChunks: null, [blob], legacy: null, capacity: 8);

        Assert.Equal([new EventIdentity(1, 1, 2), new EventIdentity(1, 2, 3)], window.Identities());
        Assert.False(window.TryAdd(new EventIdentity(1, 2, 3)));
    }

    [Fact]
    public void CapacityGrownSinceTheWrite_ARecountedIdentityIsRememberedOnce()
    {
        var small = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, capacity: 2);
        small.TryAdd(Identity(1));
        small.TryAdd(Identity(2));
        small.TryAdd(Identity(3)); // evicts 1
        Assert.True(small.TryAdd(Identity(1))); // counted again, legitimately

        var larger = Reload(small, capacity: 10);

        Assert.Equal([Identity(3), Identity(1)], larger.Identities());
    }

    /// <summary>What a restart sees: the sealed chunks from their records, the open one from the state.</summary>
    private static DedupWindow Reload(DedupWindow window, int capacity) =>
        new(window.Sealed.ToList(), window.EncodeOpen() is { } open ? [open] : null, legacy: null, capacity);

    private static int OpenCount(DedupWindow window) => window.PersistedCount - window.Sealed.Sum(chunk => chunk.Count);

    private static EventIdentity Identity(int i) => new((byte)(i % 3), 10_000 + (i * 7), 638_500_000_000_000_000 + (i * 12_345_678L));
}
