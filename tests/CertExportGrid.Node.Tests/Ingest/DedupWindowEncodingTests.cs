using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>
/// The de-duplication window persists as a compact blob (FindingState.EncodedDedupWindow); state
/// written by older versions (the window as a list) still loads.
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
        var window = new DedupWindow(encoded: null, legacy: null, capacity: 16);
        foreach (var identity in identities)
        {
            Assert.True(window.TryAdd(identity));
        }

        var decoded = new DedupWindow(window.Encode(), legacy: null, capacity: 16);

        Assert.Equal(identities, decoded.Identities());
        Assert.All(identities, identity => Assert.False(decoded.TryAdd(identity)));
    }

    [Fact]
    public void Window_HoldsExactlyTheLastNDistinct_AcrossEncoding()
    {
        var window = new DedupWindow(encoded: null, legacy: null, capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            window.TryAdd(Identity(i));
            window.TryAdd(Identity(i)); // duplicates never take a place
        }

        var decoded = new DedupWindow(window.Encode(), legacy: null, capacity: 100);

        Assert.Equal(100, decoded.Count);
        Assert.Equal(Enumerable.Range(900, 100).Select(Identity), decoded.Identities());
        Assert.True(decoded.TryAdd(Identity(899)));   // evicted: counts again
        Assert.Equal(Enumerable.Range(901, 99).Select(Identity).Append(Identity(899)), decoded.Identities());
    }

    [Fact]
    public void Decode_WithSmallerCapacity_KeepsTheNewest()
    {
        var window = new DedupWindow(encoded: null, legacy: null, capacity: 10);
        for (var i = 0; i < 10; i++)
        {
            window.TryAdd(Identity(i));
        }

        var smaller = new DedupWindow(window.Encode(), legacy: null, capacity: 3);

        Assert.Equal([Identity(7), Identity(8), Identity(9)], smaller.Identities());
    }

    [Fact]
    public void EmptyWindow_RoundTrips()
    {
        var empty = new DedupWindow(encoded: null, legacy: null, capacity: 4);
        Assert.Equal(0, new DedupWindow(empty.Encode(), legacy: null, capacity: 4).Count);
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
        var window = new DedupWindow(loaded.EncodedDedupWindow, loaded.RecentIdentities, capacity: 2);

        Assert.Null(loaded.EncodedDedupWindow);
        Assert.Equal([Identity(2), Identity(3)], window.Identities());
        Assert.False(window.TryAdd(Identity(3)));
    }

    [Fact]
    public void UnknownFormat_IsRefused()
    {
        Assert.Throws<InvalidDataException>(() => new DedupWindow([99, 0], legacy: null, capacity: 4));
    }

    private static EventIdentity Identity(int i) => new((byte)(i % 3), 10_000 + (i * 7), 638_500_000_000_000_000 + (i * 12_345_678L));
}
