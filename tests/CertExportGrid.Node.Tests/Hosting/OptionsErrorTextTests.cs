using CertExportGrid.Node.Hosting;
using Microsoft.Extensions.Configuration;

namespace CertExportGrid.Node.Tests.Hosting;

/// <summary>Startup errors name the configuration key and what it accepts, not C# types.</summary>
public sealed class OptionsErrorTextTests
{
    [Theory]
    [InlineData("Storage", "Foo", "CertExportGrid:Storage cannot be 'Foo': use one of Sqlite, Memory, Redis.")]
    [InlineData("Role", "Bogus", "CertExportGrid:Role cannot be 'Bogus': use one of All, Silo, Gateway.")]
    public void BadEnumValue_ListsTheAcceptedValues(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{NodeOptions.Section}:{key}", value)])
            .Build();

        // The same binding the node does at start, and the exception it throws.
        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetSection(NodeOptions.Section).Get<NodeOptions>());

        Assert.Equal(expected, OptionsErrorText.Format(error));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    public void BadNumber_SaysAWholeNumberIsExpected(string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{CertExportGrid.Node.Findings.SubscriberOptions.Section}:BufferSize", value)])
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetSection(CertExportGrid.Node.Findings.SubscriberOptions.Section).Get<CertExportGrid.Node.Findings.SubscriberOptions>());

        Assert.Equal($"CertExportGrid:Subscribers:BufferSize cannot be '{value}': use a whole number.", OptionsErrorText.Format(error));
    }

    [Fact]
    public void WholeNumberTooLarge_SaysOutOfRange()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{CertExportGrid.Node.Findings.SubscriberOptions.Section}:BufferSize", "99999999999")])
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => configuration.GetSection(CertExportGrid.Node.Findings.SubscriberOptions.Section).Get<CertExportGrid.Node.Findings.SubscriberOptions>());

        Assert.Equal("CertExportGrid:Subscribers:BufferSize cannot be '99999999999': the number is out of range (from -2147483648 to 2147483647, and the setting's own limits).", OptionsErrorText.Format(error));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void RateNotAFiniteNumber_FailsValidationNamingTheKey(string value)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>($"{CertExportGrid.Node.Security.RateLimitOptions.Section}:KeyEventsPerSecond", value)])
            .Build();
        var options = configuration.GetSection(CertExportGrid.Node.Security.RateLimitOptions.Section).Get<CertExportGrid.Node.Security.RateLimitOptions>()!;

        var result = new Microsoft.Extensions.Options.DataAnnotationValidateOptions<CertExportGrid.Node.Security.RateLimitOptions>(null).Validate(null, options);

        Assert.True(result.Failed);
        var error = new Microsoft.Extensions.Options.OptionsValidationException("", typeof(CertExportGrid.Node.Security.RateLimitOptions), result.Failures);
        Assert.Equal("CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond: The field KeyEventsPerSecond must be between 0 and 100000000.", OptionsErrorText.Format(error));
    }

    [Fact]
    public void OtherInvalidOperation_KeepsItsMessage() =>
        Assert.Equal("The data folder is unusable.", OptionsErrorText.Format(new InvalidOperationException("The data folder is unusable.")));
}
