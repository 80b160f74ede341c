using CertExportGrid.Cli.Output;
using Google.Protobuf.WellKnownTypes;

namespace CertExportGrid.Cli.Tests.Output;

public class TimestampsTests
{
    [Theory]
    [InlineData(1715677953L, 456789100, "2024-05-14T09:12:33.4567891Z")]
    [InlineData(1715677953L, 0, "2024-05-14T09:12:33.0000000Z")]
    [InlineData(1715677953L, 456789199, "2024-05-14T09:12:33.4567891Z")] // below 100 ns is truncated, never rounded up
    [InlineData(-11644473600L, 0, "1601-01-01T00:00:00.0000000Z")]     // zero FILETIME
    [InlineData(253402300799L, 999999900, "9999-12-31T23:59:59.9999999Z")]
    [InlineData(-62135596800L, 0, "0001-01-01T00:00:00.0000000Z")]
    [InlineData(-1L, 500000000, "1969-12-31T23:59:59.5000000Z")]
    [InlineData(0L, 100, "1970-01-01T00:00:00.0000001Z")]
    public void ToIso_ValidTimestamp_HasSevenFractionDigitsAndZ(long seconds, int nanos, string expected)
    {
        Assert.Equal(expected, Timestamps.ToIso(new Timestamp { Seconds = seconds, Nanos = nanos }));
    }

    [Fact]
    public void ToDateTime_FileTimeZero_IsExactTicks()
    {
        var value = Timestamps.ToDateTime(new Timestamp { Seconds = -11644473600L });

        Assert.Equal(new DateTime(1601, 1, 1, 0, 0, 0, DateTimeKind.Utc), value);
        Assert.Equal(DateTimeKind.Utc, value!.Value.Kind);
    }

    [Fact]
    public void ToDateTime_RoundTripsEveryTickOfAFullPrecisionTime()
    {
        var expected = new DateTime(2026, 5, 4, 14, 7, 33, DateTimeKind.Utc).AddTicks(5127481);

        Assert.Equal(expected, Timestamps.ToDateTime(Timestamp.FromDateTime(expected)));
    }

    [Theory]
    [InlineData(253402300800L, 0)]   // year 10000
    [InlineData(-62135596801L, 0)]   // before year 1
    [InlineData(0L, 1_000_000_000)]  // nanos out of range
    [InlineData(0L, -1)]
    public void ToIso_OutOfRange_IsNull(long seconds, int nanos)
    {
        Assert.Null(Timestamps.ToIso(new Timestamp { Seconds = seconds, Nanos = nanos }));
    }

    [Fact]
    public void ToIso_Missing_IsNull()
    {
        Assert.Null(Timestamps.ToIso(null));
    }
}
