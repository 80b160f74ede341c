namespace CertExportGrid.Detection.Keys;

/// <summary>
/// Collision-free string key for the grain of one (dest, subject). Both parts may contain any
/// character (|, /, +, :, \, control characters, any Unicode), so the key is length-prefixed
/// rather than joined with a separator.
/// </summary>
public readonly record struct FindingKey(string Dest, string Subject)
{
    public string Encode() => throw new NotImplementedException();

    public static bool TryDecode(string encoded, out FindingKey key) => throw new NotImplementedException();
}
