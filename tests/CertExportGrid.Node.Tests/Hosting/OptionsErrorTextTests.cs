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
    public void OtherInvalidOperation_KeepsItsMessage() =>
        Assert.Equal("The data folder is unusable.", OptionsErrorText.Format(new InvalidOperationException("The data folder is unusable.")));
}
