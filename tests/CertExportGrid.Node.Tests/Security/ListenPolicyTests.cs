using CertExportGrid.Node.Hosting;
using Microsoft.Extensions.Configuration;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>Beyond loopback only with credentials AND TLS on that endpoint; otherwise a refusal that says how.</summary>
public sealed class ListenPolicyTests
{
    private static readonly (string, string)[] Key =
    [
        ("CertExportGrid:Security:ApiKeys:0:Name", "collector-01"),
        ("CertExportGrid:Security:ApiKeys:0:Sha256", new string('a', 64)),
        ("CertExportGrid:Security:ApiKeys:0:Roles:0", "ingest"),
    ];

    private static readonly (string, string)[] DefaultCertificate = [("Kestrel:Certificates:Default:Path", "/etc/certexportgrid/server.crt")];

    [Fact]
    public void Credentials_TlsUrl_DefaultCertificate_Accepted() =>
        Assert.Equal(["https://0.0.0.0:50051"], ListenAddressGuard.Validate(Config([.. Key, .. DefaultCertificate, ("urls", "https://0.0.0.0:50051")])));

    [Fact]
    public void Credentials_KestrelEndpointWithItsOwnCertificate_Accepted() =>
        Assert.NotEmpty(ListenAddressGuard.Validate(Config([.. Key,
            ("Kestrel:Endpoints:Grpc:Url", "https://10.1.2.3:50051"),
            ("Kestrel:Endpoints:Grpc:Certificate:Path", "/etc/certexportgrid/server.pfx")])));

    [Fact]
    public void ClientCertificateMappingsCountAsCredentials() =>
        Assert.NotEmpty(ListenAddressGuard.Validate(Config([.. DefaultCertificate,
            ("CertExportGrid:Security:ClientCertificates:0:Name", "collector-02"),
            ("urls", "https://[::]:50051")])));

    [Theory]
    [InlineData("http://0.0.0.0:50051")]
    [InlineData("https://0.0.0.0:50051")]
    public void Credentials_WithoutTls_Refused_SayingTlsIsMissing(string url)
    {
        var settings = url.StartsWith("https", StringComparison.Ordinal) ? Key : [.. Key, .. DefaultCertificate];
        var error = Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config([.. settings, ("urls", url)])));

        Assert.Contains("TLS is not", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Certificates:Default:Path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsWithoutCredentials_Refused_SayingHowToConfigureThem()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config([.. DefaultCertificate, ("urls", "https://0.0.0.0:50051")])));

        Assert.Contains("only listens on loopback", error.Message, StringComparison.Ordinal);
        Assert.Contains("CertExportGrid:Security:ApiKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("certexportgrid keygen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpPorts_RefusedEvenWithCredentials() =>
        Assert.Throws<InvalidOperationException>(() => ListenAddressGuard.Validate(Config([.. Key, .. DefaultCertificate, ("HTTP_PORTS", "8080")])));

    private static IConfiguration Config((string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => new KeyValuePair<string, string?>(pair.Key, pair.Value))).Build();
}
