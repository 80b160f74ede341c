using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// One shard of the durable set of keys that have a finding. Keys are stored in pages of at most
/// <see cref="FindingGrainOptions.IndexPageSize"/> keys (storage records "index-page-0", "-1", ...):
/// a new key is written with its page only, so registering stays O(page) however many keys the
/// shard holds (the whole-set record it replaces made every write O(shard), quadratic overall).
/// </summary>
/// <remarks>
/// Registrations are group-committed: the grain is reentrant, keys that arrive while a write is in
/// flight join the next write, and Register returns only once its key is durable. The whole-set
/// record of earlier versions ("index") is still read; its keys are never written again.
/// A page is appended to only by this grain, and a key that is registered again (its grain crashed
/// between registering and persisting) is skipped while it is known, so pages rarely repeat a key;
/// readers de-duplicate anyway.
/// </remarks>
[Reentrant]
public sealed class FindingIndexGrain(
    [PersistentState("index", StorageNames.Findings)] IPersistentState<FindingIndexState> legacy,
    IOptions<FindingGrainOptions> options) : Grain, IFindingIndexGrain
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);
    private readonly List<IndexPage> _dirty = [];
    private IGrainStorage _storage = null!;
    private IndexPage _open = null!;

    // Every change of the in-memory pages bumps _changed; _durable is the last change on disk.
    private long _changed;
    private long _durable;
    private Task? _writing;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Findings);
        _known.UnionWith(legacy.State.Keys);
        legacy.State.Keys.Clear(); // read once; _known holds them now

        // Pages are numbered densely from 0; the first missing one ends the list.
        for (var number = 0; ; number++)
        {
            var page = new IndexPage(number);
            await _storage.ReadStateAsync(page.StateName, GrainContext.GrainId, page.Record);
            if (!page.Record.RecordExists)
            {
                _open = number == 0 ? page : _open;
                break;
            }

            _known.UnionWith(page.Keys);
            _open = page;
        }

        if (_open.Keys.Count >= options.Value.IndexPageSize)
        {
            _open = new IndexPage(_open.Number + 1);
        }

        // Sealed pages are never written again; only the open one keeps its list in memory.
    }

    public async Task Register(string encodedKey)
    {
        if (_known.Add(encodedKey))
        {
            if (_open.Keys.Count >= options.Value.IndexPageSize)
            {
                _open = new IndexPage(_open.Number + 1);
            }

            _open.Keys.Add(encodedKey);
            if (!_dirty.Contains(_open))
            {
                _dirty.Add(_open);
            }

            _changed++;
        }

        // Also for a key already known: it may have been added by a write still in flight (or one
        // that failed), and the caller must not go on before it is durable.
        var needed = _changed;
        while (_durable < needed)
        {
            // Turns run one at a time, so checking and starting the write cannot race. A finished
            // write (even a failed one) is replaced; a failure reaches its callers through the await.
            if (_writing is null || _writing.IsCompleted)
            {
                _writing = WriteAsync();
            }

            await _writing;
        }
    }

    public Task<string[]> GetKeys() => Task.FromResult(_known.ToArray());

    private async Task WriteAsync()
    {
        var covered = _changed;
        var pages = _dirty.ToArray();
        _dirty.Clear();
        try
        {
            // A full page and the next one can both be dirty; they are separate records.
            await Task.WhenAll(pages.Select(page => _storage.WriteStateAsync(page.StateName, GrainContext.GrainId, page.Record)));
            _durable = Math.Max(_durable, covered);
        }
        catch
        {
            // The next activation re-reads what is really stored.
            DeactivateOnIdle();
            throw;
        }
    }

    private sealed class IndexPage(int number)
    {
        public int Number { get; } = number;

        public string StateName { get; } = $"index-page-{number}";

        public GrainState<FindingIndexPageState> Record { get; } = new(new FindingIndexPageState());

        // A storage may leave State unset for a missing record.
        public List<string> Keys => (Record.State ??= new FindingIndexPageState()).Keys;
    }
}

/// <summary>The whole-set index record of earlier versions (state "index"); read, never written.</summary>
[GenerateSerializer, Alias("certexportgrid.FindingIndexState")]
public sealed class FindingIndexState
{
    [Id(0)] public HashSet<string> Keys { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One page of an index shard: keys in registration order.</summary>
[GenerateSerializer, Alias("certexportgrid.FindingIndexPageState")]
public sealed class FindingIndexPageState
{
    [Id(0)] public List<string> Keys { get; set; } = [];
}
