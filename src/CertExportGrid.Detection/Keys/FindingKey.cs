using System.Globalization;

namespace CertExportGrid.Detection.Keys;

/// <summary>
/// Collision-free string key for the grain of one (dest, subject). Both parts may contain any
/// character (|, /, +, :, \, control characters, any Unicode), so the key is length-prefixed
/// rather than joined with a separator.
/// </summary>
/// <remarks>
/// Format: the length of Dest in UTF-16 chars as canonical decimal, ':', Dest, then Subject, e.g.
/// "8:WKS-2101CN=svc|OU=ops". The prefix fixes where Dest ends, so no content can shift the
/// boundary, and the canonical number (no sign, no leading zeros) makes the encoding one-to-one.
/// </remarks>
public readonly record struct FindingKey(string Dest, string Subject)
{
    public string Encode()
    {
        var dest = Dest ?? throw new InvalidOperationException("FindingKey.Dest is null.");
        var subject = Subject ?? throw new InvalidOperationException("FindingKey.Subject is null.");
        return string.Create(CultureInfo.InvariantCulture, $"{dest.Length}:{dest}{subject}");
    }

    public static bool TryDecode(string encoded, out FindingKey key)
    {
        key = default;
        if (encoded is null)
        {
            return false;
        }

        var colon = encoded.IndexOf(':', StringComparison.Ordinal);
        // 1-10 digits (int.MaxValue has 10); "0" alone is the only number allowed to start with 0.
        if (colon is < 1 or > 10 || (encoded[0] == '0' && colon > 1))
        {
            return false;
        }

        var prefix = encoded.AsSpan(0, colon);
        if (!int.TryParse(prefix, NumberStyles.None, CultureInfo.InvariantCulture, out var destLength)
            || destLength > encoded.Length - colon - 1)
        {
            return false;
        }

        var destStart = colon + 1;
        key = new FindingKey(encoded.Substring(destStart, destLength), encoded[(destStart + destLength)..]);
        return true;
    }
}
