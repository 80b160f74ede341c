namespace CertExportGrid.Grains.Findings;

/// <summary>
/// The bounded memory of event identities already counted for one key. Holds the most recent
/// <c>capacity</c> identities in arrival order; a re-send of an identity that has been evicted
/// would count again, so the capacity is the documented de-duplication window.
/// </summary>
internal sealed class DedupWindow
{
    private readonly List<EventIdentity> _order;
    private readonly HashSet<EventIdentity> _set;
    private readonly int _capacity;

    public DedupWindow(List<EventIdentity> persisted, int capacity)
    {
        _capacity = capacity;
        _order = persisted;
        if (_order.Count > capacity)
        {
            _order.RemoveRange(0, _order.Count - capacity);
        }

        _set = [.. _order];
    }

    /// <summary>Adds the identity; false when it was already counted.</summary>
    public bool TryAdd(EventIdentity identity)
    {
        if (!_set.Add(identity))
        {
            return false;
        }

        _order.Add(identity);
        if (_order.Count > _capacity)
        {
            // Evict in bulk (a quarter of the window) so trimming is amortised, not O(n) per event.
            var evict = Math.Max(1, _capacity / 4);
            for (var i = 0; i < evict; i++)
            {
                _set.Remove(_order[i]);
            }

            _order.RemoveRange(0, evict);
        }

        return true;
    }

    /// <summary>Identities currently remembered.</summary>
    public int Count => _order.Count;
}
