using BenchmarkDotNet.Attributes;
using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace CertExportGrid.MicroBench;

/// <summary>
/// What one grain write serializes for a hot key with a full 4,096-identity de-duplication window:
/// the window as the list older versions stored (FindingState.RecentIdentities) against what a
/// write carries now (DedupWindow.EncodeOpen + FindingState.DedupChunks/DedupChunkIds: the open
/// chunk and the ids of the sealed ones, which are stored once as records of their own; before, their
/// names). The
/// SQLite group commit is measured
/// by the whole-path bench; this is the CPU and bytes the grain hands to it.
/// </summary>
public class StateSerializationBenchmarks
{
    private const int Window = 4_096;
    private Serializer _serializer = null!;
    private FindingState _listState = null!;
    private FindingState _encodedState = null!;
    private DedupWindow _window = null!;
    private byte[] _listBytes = null!;
    private byte[] _encodedBytes = null!;
    private List<string>? _chunkNames;

    [GlobalSetup]
    public void Setup()
    {
        _serializer = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(FindingState).Assembly).AddAssembly(typeof(ExportDetails).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>();

        _window = new DedupWindow(sealedChunks: null, openChunks: null, legacy: null, Window);
        var start = 638_770_000_000_000_000L;
        var random = new Random(42);
        var record = 1_000_000L;
        var ticks = start;
        for (var i = 0; i < Window; i++)
        {
            // Records of one log advance by a few (other events in between), times by about a second.
            record += random.Next(1, 40);
            ticks += random.Next(1, 20_000_000);
            _window.TryAdd(new EventIdentity(1, record, ticks));
        }

        _listState = NewState();
        _listState.RecentIdentities = [.. _window.Identities()];
        _encodedState = NewState();
        SetChunks(_encodedState);
        _listBytes = _serializer.SerializeToArray(_listState);
        _encodedBytes = _serializer.SerializeToArray(_encodedState);
        Console.WriteLine($"// state bytes: list window {_listBytes.Length:N0}, encoded window {_encodedBytes.Length:N0} ({_window.Sealed.Count()} sealed chunks stored apart, {_window.Sealed.Sum(chunk => chunk.Blob.Length):N0} B)");
    }

    [Benchmark(Baseline = true, Description = "write: serialize state, window as list")]
    public byte[] SerializeList() => _serializer.SerializeToArray(_listState);

    [Benchmark(Description = "write: encode open chunk + serialize state, chunks listed by name (before)")]
    public byte[] SerializeEncodedNamedChunks()
    {
        SetChunks(_encodedState);
        _chunkNames ??= [.. _window.Sealed.Select(chunk => chunk.RecordName!)]; // were kept with the chunks
        _encodedState.DedupChunkRecords = [.. _chunkNames]; // and listed anew for every write
        _encodedState.DedupChunkIds = null;
        return _serializer.SerializeToArray(_encodedState);
    }

    [Benchmark(Description = "write: encode open chunk + serialize state, chunks listed by id")]
    public byte[] SerializeEncoded()
    {
        SetChunks(_encodedState);
        return _serializer.SerializeToArray(_encodedState);
    }

    [Benchmark(Description = "activate: deserialize state, window from list")]
    public int ActivateList()
    {
        var state = _serializer.Deserialize<FindingState>(_listBytes)!;
        return new DedupWindow(sealedChunks: null, openChunks: null, state.RecentIdentities, Window).Count;
    }

    [Benchmark(Description = "activate: deserialize state, window from chunks (records already read)")]
    public int ActivateEncoded()
    {
        var state = _serializer.Deserialize<FindingState>(_encodedBytes)!;
        return new DedupWindow(_window.Sealed.ToList(), state.DedupChunks, state.RecentIdentities, Window).Count;
    }

    private void SetChunks(FindingState state)
    {
        foreach (var chunk in _window.Sealed)
        {
            chunk.RecordId ??= Guid.NewGuid();
        }

        state.DedupChunkRecords = null;
        state.DedupChunkIds = [.. _window.Sealed.Select(chunk => chunk.RecordId!.Value)];
        state.DedupChunks = _window.EncodeOpen() is { } open ? [open] : null;
    }

    private static FindingState NewState()
    {
        var state = new FindingState
        {
            Dest = "SRV-WEB01.corp.example.test",
            Subject = "CN=portal",
            Count = 12_345,
            FirstTicks = 638_770_000_000_000_000,
            LastTicks = 638_780_000_000_000_000,
            Version = 1_234,
            Indexed = true,
            LastCollector = "collector-01",
            Collectors = ["collector-01"],
            LastSubjectNames = ["portal.corp.example.test", "www.portal.corp.example.test", "CN=portal"],
            LastExport = new ExportDetails
            {
                ProcessName = "certutil.exe",
                AccountName = "CORP\\adm.jkowalski",
                Thumbprint = "8048ea9c3655273257456796681bfed3b10914cc",
                Channel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
                RecordId = 1_100_000,
                UserSid = "S-1-5-21-3623811015-3361044348-30300820-5102",
                Context = "Machine",
                TimeTicks = 638_780_000_000_000_000,
            },
        };
        state.Rows.Add("<CertNotificationData ProcessName='certutil.exe' AccountName='CORP\\adm.jkowalski' Context='Machine'><CertificateDetails Thumbprint='8048ea9c3655273257456796681bfed3b10914cc'/></CertNotificationData>",
            new RowAggregate { Count = 12_345, FirstTicks = 638_770_000_000_000_000, LastTicks = 638_780_000_000_000_000, Process = "certutil.exe", Account = "CORP\\adm.jkowalski" });
        return state;
    }
}
