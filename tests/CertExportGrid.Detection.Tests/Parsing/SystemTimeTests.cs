using CertExportGrid.Detection.Parsing;

namespace CertExportGrid.Detection.Tests.Parsing;

public class SystemTimeTests
{
    private static DateTime Utc(int y, int mo, int d, int h, int mi, int s, long extraTicks = 0)
        => new DateTime(y, mo, d, h, mi, s, DateTimeKind.Utc).AddTicks(extraTicks);

    [Theory]
    [InlineData("2024-03-10T08:00:02Z", 8, 0, 2, 0)]                    // no fraction: whole seconds
    [InlineData("2024-03-10T08:00:01.5Z", 8, 0, 1, 5_000_000)]          // one digit is tenths
    [InlineData("2024-03-10T07:59:59.1234567Z", 7, 59, 59, 1_234_567)]  // seven digits keep every 100 ns
    [InlineData("2024-03-10T08:00:00.123456789Z", 8, 0, 0, 1_234_567)]  // nine digits truncate (never round) to 100 ns
    public void Parse_FractionDigits_ReadToThe100ns(string text, int hour, int minute, int second, long extraTicks)
    {
        Assert.True(SystemTime.TryParse(text, out var t));
        Assert.Equal(Utc(2024, 3, 10, hour, minute, second, extraTicks), t);
        Assert.Equal(DateTimeKind.Utc, t.Kind);
    }

    [Fact]
    public void Parse_NineAndSevenDigitRenderings_AreTheSameInstant()
    {
        Assert.True(SystemTime.TryParse("2024-03-10T08:00:00.123456700Z", out var nine));
        Assert.True(SystemTime.TryParse("2024-03-10T08:00:00.1234567Z", out var seven));
        Assert.Equal(seven, nine);
    }

    [Fact]
    public void Parse_NoZone_ReadsAsUtcNotLocal()
    {
        Assert.True(SystemTime.TryParse("2024-03-10T08:00:03.0000001", out var t));
        Assert.Equal(Utc(2024, 3, 10, 8, 0, 3, 1), t);
        Assert.Equal(DateTimeKind.Utc, t.Kind);
    }

    [Fact]
    public void Parse_PositiveOffset_ConvertsToUtc()
    {
        Assert.True(SystemTime.TryParse("2024-03-10T10:00:04.0000000+02:00", out var t));
        Assert.Equal(Utc(2024, 3, 10, 8, 0, 4), t);
    }

    [Fact]
    public void Parse_NegativeOffsetAcrossMidnight_ConvertsToUtc()
    {
        Assert.True(SystemTime.TryParse("2024-12-31T23:30:00-05:30", out var t));
        Assert.Equal(Utc(2025, 1, 1, 5, 0, 0), t);
    }

    [Fact]
    public void Parse_ZeroFiletime1601_IsKeptAsRecorded()
    {
        Assert.True(SystemTime.TryParse("1601-01-01T00:00:00.0000000Z", out var t));
        Assert.Equal(Utc(1601, 1, 1, 0, 0, 0), t);
    }

    [Fact]
    public void Parse_FarFutureDate_IsKeptAsRecorded()
    {
        Assert.True(SystemTime.TryParse("9999-12-31T23:59:59.9999999Z", out var t));
        Assert.Equal(DateTime.MaxValue.Ticks, t.Ticks);
    }

    [Fact]
    public void Parse_SurroundingWhitespace_IsIgnored()
    {
        Assert.True(SystemTime.TryParse(" 2024-03-10T08:00:02Z ", out var t));
        Assert.Equal(Utc(2024, 3, 10, 8, 0, 2), t);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2024-03-10 08:00:02Z")]        // space instead of T
    [InlineData("2024-3-10T08:00:02Z")]         // short month
    [InlineData("2024-13-10T08:00:02Z")]        // month 13
    [InlineData("2023-02-29T08:00:02Z")]        // not a leap year
    [InlineData("2024-03-10T24:00:00Z")]        // hour 24
    [InlineData("2024-03-10T08:60:00Z")]
    [InlineData("2024-03-10T08:00:60Z")]        // leap second
    [InlineData("2024-03-10T08:00:02.Z")]       // dot without digits
    [InlineData("2024-03-10T08:00:02.12a4Z")]
    [InlineData("2024-03-10T08:00:02ZZ")]
    [InlineData("2024-03-10T08:00:02+2:00")]
    [InlineData("2024-03-10T08:00:02+0200")]
    [InlineData("2024-03-10T08:00:02+15:00")]   // beyond any real offset
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]   // before DateTime.MinValue once converted
    [InlineData("9999-12-31T23:59:59-01:00")]   // after DateTime.MaxValue once converted
    [InlineData("２０２４-03-10T08:00:02Z")]     // non-ASCII digits
    public void Parse_Malformed_ReturnsFalse(string? text)
    {
        Assert.False(SystemTime.TryParse(text, out var t));
        Assert.Equal(default, t);
    }

    [Fact]
    public void ToSplunk_DropsFractionAndZone()
    {
        Assert.Equal("2026-05-04T14:07:33", SystemTime.ToSplunk(Utc(2026, 5, 4, 14, 7, 33, 5_127_481)));
    }

    [Fact]
    public void ToSplunk_LocalTime_IsRenderedInUtc()
    {
        var utc = Utc(2026, 5, 4, 14, 7, 33);
        Assert.Equal("2026-05-04T14:07:33", SystemTime.ToSplunk(utc.ToLocalTime()));
    }

    [Fact]
    public void ToIso_WritesAllSevenDigitsAndZ()
    {
        Assert.Equal("2026-05-04T14:07:33.5127481Z", SystemTime.ToIso(Utc(2026, 5, 4, 14, 7, 33, 5_127_481)));
        Assert.Equal("1601-01-01T00:00:00.0000000Z", SystemTime.ToIso(Utc(1601, 1, 1, 0, 0, 0)));
    }

    [Fact]
    public void ToIso_RoundTripsThroughTryParse()
    {
        var t = Utc(2024, 2, 29, 23, 59, 59, 9_999_999);
        Assert.True(SystemTime.TryParse(SystemTime.ToIso(t), out var back));
        Assert.Equal(t, back);
    }
}
