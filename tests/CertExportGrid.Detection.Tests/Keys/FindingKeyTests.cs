using CertExportGrid.Detection.Keys;

namespace CertExportGrid.Detection.Tests.Keys;

public class FindingKeyTests
{
    [Fact]
    public void Encode_IsLengthPrefixed()
    {
        Assert.Equal("8:WKS-2101CN=svc|OU=ops", new FindingKey("WKS-2101", "CN=svc|OU=ops").Encode());
        Assert.Equal("0:", new FindingKey("", "").Encode());
    }

    [Theory]
    [InlineData("|")]
    [InlineData("/")]
    [InlineData("+")]
    [InlineData(":")]
    [InlineData("\\")]
    [InlineData("")]
    public void Encode_PairsThatJoinToTheSameString_StayDistinct(string separator)
    {
        // "WKS-2101" + "CN=svc|OU=ops" and "WKS-2101|CN=svc" + "OU=ops" collide under naive joining.
        var a = new FindingKey("WKS-2101", $"CN=svc{separator}OU=ops");
        var b = new FindingKey($"WKS-2101{separator}CN=svc", "OU=ops");

        Assert.NotEqual(a.Encode(), b.Encode());
    }

    public static TheoryData<string, string> RoundTripCases => new()
    {
        { "WKS-2101", "CN=svc|OU=ops" },
        { "WKS-2101|CN=svc", "OU=ops" },
        { "12:ab", "3:x" },               // dest that looks like a key itself
        { "", "CN=only-subject" },
        { "only-dest", "" },
        { "", "" },
        { "HOST\u0001\u001F\0", "CN=a\\,b+UID=1:2/3" },
        { "ホスト-東京", "CN=Jürgen 😀" },
        { "\uD800", "\uDC00" },          // even invalid UTF-16 survives: the key is a char sequence
        { new string('x', 100_000), "y" },
    };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void TryDecode_OfEncode_RoundTripsExactly(string dest, string subject)
    {
        var key = new FindingKey(dest, subject);

        Assert.True(FindingKey.TryDecode(key.Encode(), out var back));

        Assert.Equal(key, back);
        Assert.Equal(dest, back.Dest);
        Assert.Equal(subject, back.Subject);
    }

    [Fact]
    public void Encode_AllRoundTripCases_AreDistinct()
    {
        var encoded = RoundTripCases.Select(row => new FindingKey((string)row[0], (string)row[1]).Encode()).ToList();
        Assert.Equal(encoded.Count, encoded.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData(":abc")]
    [InlineData("5:abc")]          // dest longer than what follows
    [InlineData("01:ab")]          // non-canonical number
    [InlineData("00:")]
    [InlineData("-1:a")]
    [InlineData("+1:a")]
    [InlineData(" 1:a")]
    [InlineData("1 :a")]
    [InlineData("99999999999:a")]  // more digits than any length
    [InlineData("٣:abc")]          // non-ASCII digit
    public void TryDecode_Malformed_ReturnsFalse(string encoded)
    {
        Assert.False(FindingKey.TryDecode(encoded, out var key));
        Assert.Equal(default, key);
    }

    [Fact]
    public void TryDecode_Null_ReturnsFalse()
    {
        Assert.False(FindingKey.TryDecode(null!, out _));
    }

    [Fact]
    public void Encode_DefaultKey_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => default(FindingKey).Encode());
    }
}
