using CertExportGrid.Node.Findings;
using CertExportGrid.Node.Hosting;
using CertExportGrid.Node.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Tests.Hosting;

/// <summary>Startup errors name the configuration key and what it accepts, not C# types.</summary>
public sealed class OptionsErrorTextTests
{
    [Theory]
    [InlineData("Storage", "Foo", "CertExportGrid:Storage cannot be 'Foo': use one of Sqlite, Memory, Redis.")]
    [InlineData("Role", "Bogus", "CertExportGrid:Role cannot be 'Bogus': use one of All, Silo, Gateway.")]
    public void BadEnumValue_ListsTheAcceptedValues(string key, string value, string expected)
    {
        var error = BindingError<NodeOptions>(NodeOptions.Section, key, value);

        Assert.Equal(expected, OptionsErrorText.Format(error));
    }

    [Theory]
    [InlineData("abc", "use a whole number.")]
    [InlineData("1.5", "use a whole number.")]
    [InlineData("99999999999", "the number is out of range (from -2147483648 to 2147483647, and the setting's own limits).")]
    public void BadWholeNumber_SaysWhatIsWrong(string value, string problem)
    {
        var error = BindingError<SubscriberOptions>(SubscriberOptions.Section, "BufferSize", value);

        Assert.Equal($"CertExportGrid:Subscribers:BufferSize cannot be '{value}': {problem}", OptionsErrorText.Format(error));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void RateNotAFiniteNumber_FailsValidationNamingTheKey(string value)
    {
        var options = Configuration(RateLimitOptions.Section, "KeyEventsPerSecond", value).GetSection(RateLimitOptions.Section).Get<RateLimitOptions>()!;

        // The same validation the node runs at start (it threw an OverflowException with int bounds).
        var result = new DataAnnotationValidateOptions<RateLimitOptions>(null).Validate(null, options);

        Assert.True(result.Failed);
        var error = new OptionsValidationException("", typeof(RateLimitOptions), result.Failures);
        Assert.Equal("CertExportGrid:Ingest:RateLimits:KeyEventsPerSecond: The field KeyEventsPerSecond must be between 0 and 100000000.", OptionsErrorText.Format(error));
    }

    [Fact]
    public void OtherInvalidOperation_KeepsItsMessage() =>
        Assert.Equal("The data folder is unusable.", OptionsErrorText.Format(new InvalidOperationException("The data folder is unusable.")));

    private static IConfiguration Configuration(string section, string key, string value) => new ConfigurationBuilder()
        .AddInMemoryCollection([new KeyValuePair<string, string?>($"{section}:{key}", value)])
        .Build();

    /// <summary>The same binding the node does at start, and the exception it throws.</summary>
    private static InvalidOperationException BindingError<T>(string section, string key, string value) =>
        Assert.Throws<InvalidOperationException>(() => Configuration(section, key, value).GetSection(section).Get<T>());
}
