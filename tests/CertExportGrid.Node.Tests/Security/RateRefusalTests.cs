using CertExportGrid.Node.Security;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>Which budget refused (the metric's label) and the slots it hands out, without a server.</summary>
public sealed class RateRefusalTests
{
    [Theory]
    [InlineData(2.0, 5, 0.0, 1, "stream")]
    [InlineData(0.0, 1, 2.0, 5, "identity")]
    public void Admit_NamesTheBudgetThatRefused(double streamRate, int streamBurst, double identityRate, int identityBurst, string kind)
    {
        var limiter = new IngestRateLimiter(Options.Create(new RateLimitOptions
        {
            StreamEventsPerSecond = streamRate,
            StreamBurst = streamBurst,
            IdentityEventsPerSecond = identityRate,
            IdentityBurst = identityBurst,
        }));

        var admitted = limiter.Open(Caller.Local).Admit(8, out var refusal);

        Assert.Equal((5, kind), (admitted, refusal.Kind));
        Assert.StartsWith(kind == "stream" ? "stream limit 2 events/s, burst 5" : "limit of identity 'local' 2 events/s, burst 5", refusal.Limit);
    }

    [Fact]
    public void TinyRate_WaitIsCappedNotOverflowed()
    {
        var refusal = new RateRefusal("key", "key limit", 1e-300, 0, TimeSpan.Zero);

        Assert.Equal(RateRefusal.MaxWait, refusal.WaitFor(3));
    }
}
