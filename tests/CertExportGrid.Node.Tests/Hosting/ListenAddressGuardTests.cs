using CertExportGrid.Node.Hosting;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace CertExportGrid.Node.Tests.Hosting;

/// <summary>Secure by default: without authentication the server listens on loopback only (with it: see Security/ListenPolicyTests).</summary>
public sealed class ListenAddressGuardTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://localhost:5000")]
    [InlineData("http://[::1]:5000")]
    [InlineData("http://127.0.0.1:5000;http://[::1]:5001")]
    public void Validate_LoopbackUrls_Accepted(string urls) =>
        Assert.NotEmpty(ListenAddressGuard.Validate(Config(("urls", urls))));

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://[::]:5000")]
    [InlineData("http://10.1.2.3:5000")]
    [InlineData("http://collector.corp.example.test:5000")]
    [InlineData("http://127.0.0.1:5000;http://0.0.0.0:5001")]
    public void Validate_NonLoopbackUrls_Refused(string urls)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config(("urls", urls))));
        Assert.Contains("only listens on loopback", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notaurl")]
    [InlineData("127.0.0.1:5000")]
    [InlineData("ftp://127.0.0.1:5000")]
    [InlineData("http://")]
    [InlineData("http://:5000")]
    public void Validate_MalformedUrl_SaysSoRatherThanRefusingForSecurity(string url)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config(("urls", url))));
        Assert.Equal($"'{url}' is not a listen address: use http://HOST:PORT or https://HOST:PORT, for example http://127.0.0.1:50051.", error.Message);
    }

    [Fact]
    public void Validate_KestrelEndpointOnAllInterfaces_Refused() =>
        Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config(("Kestrel:Endpoints:Grpc:Url", "http://0.0.0.0:5000"))));

    [Fact]
    public void Validate_HttpPortsVariable_Refused() =>
        Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config(("HTTP_PORTS", "8080"))));

    [Fact]
    public void Validate_NothingConfigured_ReturnsEmptySoTheLoopbackDefaultApplies() =>
        Assert.Empty(ListenAddressGuard.Validate(Config()));

    [Fact]
    public async Task Server_AskedToBindAllInterfaces_RefusesToStartWithAMessage()
    {
        using var temp = new TempDirectory();
        var port = FreePorts.Next();
        await using var node = NodeProcess.Start(temp.Combine("data"), port, FreePorts.Next(), FreePorts.Next(), "--urls", $"http://0.0.0.0:{port}");

        var exitCode = await node.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains($"Refusing to listen on http://0.0.0.0:{port}", node.Output, StringComparison.Ordinal);
        Assert.Contains("no authentication configured", node.Output, StringComparison.Ordinal);
        Assert.Contains("docs/security.md", node.Output, StringComparison.Ordinal);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => new KeyValuePair<string, string?>(pair.Key, pair.Value))).Build();
}
