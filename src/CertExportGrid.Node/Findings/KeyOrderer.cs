using CertExportGrid.Detection.Keys;
using CertExportGrid.Grains;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// Puts each key's updates back in version order before they are logged and fanned out. Updates
/// travel as one-way messages and may overtake each other (the client runtime can run observer
/// calls concurrently); versions of one key increase by exactly one per change, so a gap means a
/// predecessor is still on its way. A successor is held back up to <c>hold</c> for it; when the
/// predecessor never comes (its silo died after persisting, say) the successor is released anyway:
/// it carries the whole current state, so nothing is wrong, only one intermediate step is skipped.
/// Stale updates (a version at or below the last one released) are dropped.
/// Not thread-safe: the broadcaster serialises access.
/// </summary>
public sealed class KeyOrderer(TimeSpan hold, TimeProvider clock)
{
    private readonly Dictionary<FindingKey, long> _released = [];
    private readonly Dictionary<FindingKey, SortedList<long, (FindingSnapshot Update, long HeldSince)>> _held = [];

    /// <summary>Updates currently held back waiting for a predecessor.</summary>
    public int Held => _held.Values.Sum(list => list.Count);

    /// <summary>Takes one arriving update; appends to <paramref name="release"/> whatever is now in order.</summary>
    public void Accept(FindingSnapshot update, List<FindingSnapshot> release)
    {
        var key = new FindingKey(update.Dest, update.Subject);
        var known = _released.TryGetValue(key, out var last);
        if (known && update.Version <= last)
        {
            return;
        }

        // A key never seen here starts at version 1; anything later waits briefly for its predecessors.
        if (update.Version == (known ? last + 1 : 1))
        {
            Release(key, update, release);
            return;
        }

        if (!_held.TryGetValue(key, out var waiting))
        {
            _held[key] = waiting = [];
        }

        waiting.TryAdd(update.Version, (update, clock.GetTimestamp()));
    }

    /// <summary>Releases held updates whose predecessors did not arrive within the hold time.</summary>
    public void ReleaseOverdue(List<FindingSnapshot> release)
    {
        foreach (var key in _held.Keys.ToList())
        {
            var waiting = _held[key];
            if (waiting.Count > 0 && clock.GetElapsedTime(waiting.Values[0].HeldSince) >= hold)
            {
                var (update, _) = waiting.Values[0];
                waiting.RemoveAt(0);
                Release(key, update, release);
            }
        }
    }

    private void Release(FindingKey key, FindingSnapshot update, List<FindingSnapshot> release)
    {
        release.Add(update);
        _released[key] = update.Version;
        if (!_held.TryGetValue(key, out var waiting))
        {
            return;
        }

        // Drop what the release made stale, then release successors that are now in order.
        while (waiting.Count > 0 && waiting.Keys[0] <= update.Version)
        {
            waiting.RemoveAt(0);
        }

        while (waiting.Count > 0 && waiting.Keys[0] == _released[key] + 1)
        {
            var next = waiting.Values[0].Update;
            waiting.RemoveAt(0);
            release.Add(next);
            _released[key] = next.Version;
        }

        if (waiting.Count == 0)
        {
            _held.Remove(key);
        }
    }
}
