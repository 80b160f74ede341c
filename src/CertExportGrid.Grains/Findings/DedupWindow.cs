namespace CertExportGrid.Grains.Findings;

/// <summary>
/// The bounded memory of event identities already counted for one key: exactly the last
/// <c>capacity</c> distinct identities, in arrival order. A re-send of an identity that has been
/// evicted would count again, so the capacity is the documented de-duplication window.
/// </summary>
internal sealed class DedupWindow
{
    private readonly List<EventIdentity> _order;
    private readonly HashSet<EventIdentity> _set;
    private readonly int _capacity;

    // Evicted entries stay at the front of _order until Compact(), so eviction is O(1).
    private int _head;

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

    /// <summary>Identities currently remembered.</summary>
    public int Count => _order.Count - _head;

    /// <summary>Adds the identity; false when it was already counted.</summary>
    public bool TryAdd(EventIdentity identity)
    {
        if (!_set.Add(identity))
        {
            return false;
        }

        _order.Add(identity);
        if (Count > _capacity)
        {
            _set.Remove(_order[_head]);
            _head++;
        }

        return true;
    }

    /// <summary>Drops evicted entries from the persisted list; call before writing state.</summary>
    public void Compact()
    {
        if (_head > 0)
        {
            _order.RemoveRange(0, _head);
            _head = 0;
        }
    }
}
