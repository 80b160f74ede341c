namespace CertExportGrid.Node.Ingest;

/// <summary>Counts open ingest streams so the gateway can refuse one too many instead of slowing all.</summary>
public sealed class IngestAdmission
{
    private int _open;

    /// <summary>Takes a slot; false (and nothing taken) when <paramref name="limit"/> streams are already open.</summary>
    public bool TryEnter(int limit)
    {
        while (true)
        {
            var open = Volatile.Read(ref _open);
            if (open >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _open, open + 1, open) == open)
            {
                return true;
            }
        }
    }

    public void Exit() => Interlocked.Decrement(ref _open);
}
