using System.Xml;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// An XmlNameTable that can be reused across parses on one thread (a fresh table per event costs
/// about a quarter of the parser's allocations) and reports its size, so the owner can drop it
/// before names from hostile input accumulate without bound. Not thread-safe, like NameTable.
/// </summary>
internal sealed class BoundedNameTable : XmlNameTable
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public BoundedNameTable() => _bySpan = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Total characters held, the measure the owner bounds.</summary>
    public long Chars { get; private set; }

    public int Count => _names.Count;

    public override string Add(char[] array, int offset, int length)
    {
        if (length == 0)
        {
            return string.Empty;
        }

        var key = array.AsSpan(offset, length);
        if (_bySpan.TryGetValue(key, out var atom))
        {
            return atom;
        }

        atom = new string(key);
        _names.Add(atom, atom);
        Chars += length;
        return atom;
    }

    public override string Add(string array)
    {
        if (array.Length == 0)
        {
            return string.Empty;
        }

        if (_names.TryGetValue(array, out var atom))
        {
            return atom;
        }

        _names.Add(array, array);
        Chars += array.Length;
        return array;
    }

    public override string? Get(char[] array, int offset, int length)
        => length == 0 ? string.Empty : _bySpan.TryGetValue(array.AsSpan(offset, length), out var atom) ? atom : null;

    public override string? Get(string array)
        => array.Length == 0 ? string.Empty : _names.GetValueOrDefault(array);
}
