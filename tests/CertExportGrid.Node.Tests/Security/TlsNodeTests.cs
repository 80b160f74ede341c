using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>
/// A real server process bound to every interface (0.0.0.0) because it has credentials and TLS,
/// reached over loopback only; clients authenticate with API keys or client certificates.
/// </summary>
public sealed class TlsNodeFixture : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();

    public TestKey Reader { get; } = TestKey.Create("soc-tool", ["read"]);
    public X509Certificate2 ServerCertificate { get; } = TestCertificates.Server();
    public X509Certificate2 ClientCa { get; } = TestCertificates.Ca("CertExportGrid Test Client CA");
    public X509Certificate2 PinnedCollector { get; } = TestCertificates.Client("collector-pinned");
    public X509Certificate2 IssuedReader { get; private set; } = null!;
    public X509Certificate2 RogueReader { get; } = TestCertificates.Client("soc-reader");
    public X509Certificate2 Unmapped { get; } = TestCertificates.Client("nobody-we-know");
    public NodeProcess Node { get; private set; } = null!;
    public string Url { get; private set; } = "";
    public string ServerCertificatePath { get; private set; } = "";
    public string Directory => _temp.Path;

    public async Task InitializeAsync()
    {
        IssuedReader = TestCertificates.Client("soc-reader", ClientCa);
        var (serverCrt, serverKey) = TestCertificates.WritePem(ServerCertificate, _temp.Path, "server");
        ServerCertificatePath = serverCrt;
        var (caCrt, _) = TestCertificates.WritePem(ClientCa, _temp.Path, "client-ca");
        var securityFile = _temp.Combine("security.json");
        await File.WriteAllTextAsync(securityFile, JsonSerializer.Serialize(new
        {
            CertExportGrid = new
            {
                Security = new
                {
                    ApiKeys = new[] { Reader.Json() },
                    ClientCaFile = caCrt,
                    ClientCertificates = new object[]
                    {
                        new { Name = "collector-pinned", Roles = new[] { "ingest" }, Thumbprint = PinnedCollector.Thumbprint, Hosts = new[] { "WKS-*" } },
                        new { Name = "soc-reader", Roles = new[] { "read" }, SubjectCommonName = "soc-reader" },
                    },
                },
            },
        }));

        var port = FreePorts.Next();
        Url = $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Node = NodeProcess.Start(_temp.Combine("data"), port, FreePorts.Next(), FreePorts.Next(),
            "--urls", $"https://0.0.0.0:{port.ToString(CultureInfo.InvariantCulture)}",
            $"--Kestrel:Certificates:Default:Path={serverCrt}",
            $"--Kestrel:Certificates:Default:KeyPath={serverKey}",
            $"--CertExportGrid:Security:File={securityFile}");

        using var channel = Channel(key: null);
        var health = new Health.HealthClient(channel);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(Node.HasExited, $"The node exited:\n{Node.Output}");
            try
            {
                if ((await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"The node did not serve over TLS within 60 s:\n{Node.Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>An HTTPS channel that trusts exactly the test server certificate, with an optional key or client certificate.</summary>
    public GrpcChannel Channel(string? key = null, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetCertHashString() == ServerCertificate.GetCertHashString();
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return GrpcChannel.ForAddress(Url, new GrpcChannelOptions { HttpHandler = new ApiKeyHandler(key) { InnerHandler = handler } });
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        _temp.Dispose();
    }
}

public sealed class TlsNodeTests(TlsNodeFixture fixture) : IClassFixture<TlsNodeFixture>
{
    [Fact]
    public void NonLoopbackBinding_WithCredentialsAndTls_Starts()
    {
        Assert.False(fixture.Node.HasExited);
        Assert.Contains("authentication enforced", fixture.Node.Output, StringComparison.Ordinal);
        Assert.Contains("https://0.0.0.0:", fixture.Node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKey_OverTls_Authenticates_NoCredentials_Refused()
    {
        using var withKey = fixture.Channel(fixture.Reader.Secret);
        using var without = fixture.Channel();

        await new FindingsClient(withKey).ListFindingsAsync(new ListFindingsRequest());
        var error = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(without).ListFindingsAsync(new ListFindingsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task PinnedCertificate_MapsToCollectorIdentity_IngestsForItsHosts_CannotRead()
    {
        using var collector = fixture.Channel(clientCertificate: fixture.PinnedCollector);

        var ack = (await IngestDriver.SendAsync(collector, [IngestDriver.Batch("m", [
            new EventXml { Computer = "WKS-TLS-1", RecordId = 1 }.Render(),
            new EventXml { Computer = "DC-01", RecordId = 2 }.Render()])]))[0];
        var denied = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(collector).ListFindingsAsync(new ListFindingsRequest()).ResponseAsync);

        Assert.Equal(1u, ack.Accepted);
        Assert.Equal(RejectReason.PermissionDeniedHost, Assert.Single(ack.Rejected).Reason);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("collector-pinned", denied.Status.Detail, StringComparison.Ordinal);

        using var reader = fixture.Channel(clientCertificate: fixture.IssuedReader);
        var finding = (await new FindingsClient(reader).ListFindingsAsync(new ListFindingsRequest())).Findings.Single(f => f.Dest == "WKS-TLS-1");
        Assert.Equal("collector-pinned", finding.LastCollector);
    }

    [Fact]
    public async Task CommonNameMapping_RequiresTheClientCa_SameNameSelfSignedRefused_UnmappedRefused()
    {
        using var issued = fixture.Channel(clientCertificate: fixture.IssuedReader);
        using var rogue = fixture.Channel(clientCertificate: fixture.RogueReader);
        using var unmapped = fixture.Channel(clientCertificate: fixture.Unmapped);

        await new FindingsClient(issued).ListFindingsAsync(new ListFindingsRequest());
        var rogueError = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(rogue).ListFindingsAsync(new ListFindingsRequest()).ResponseAsync);
        var unmappedError = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(unmapped).ListFindingsAsync(new ListFindingsRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, rogueError.StatusCode);
        Assert.Contains("does not chain to a trusted client CA", rogueError.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unauthenticated, unmappedError.StatusCode);
        Assert.Contains("not mapped to an identity", unmappedError.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ApiKeyFileAndServerCa_ReadsFindings_WithoutKeyExitsWithUnauthenticated()
    {
        var keyFile = Path.Combine(fixture.Directory, "reader.key.txt");
        await File.WriteAllTextAsync(keyFile, fixture.Reader.Secret + "\n");

        var withKey = await CliProcess.RunAsync(fixture.Directory, "findings", "--server", fixture.Url, "--server-ca", fixture.ServerCertificatePath, "--api-key-file", keyFile, "--format", "json");
        var without = await CliProcess.RunAsync(fixture.Directory, "findings", "--server", fixture.Url, "--server-ca", fixture.ServerCertificatePath);

        Assert.True(withKey.ExitCode == 0, withKey.StdErr);
        Assert.Equal(3, without.ExitCode);
        Assert.Contains("Unauthenticated", without.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_Keygen_PrintsAKeyAndItsSha256()
    {
        var (exitCode, stdout, _) = await CliProcess.RunAsync(fixture.Directory, "keygen", "--name", "collector-07", "--role", "ingest");

        Assert.Equal(0, exitCode);
        var key = stdout.Split('\n').First(line => line.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        var hash = stdout.Split('\n').First(line => line.StartsWith("sha256:", StringComparison.Ordinal))[7..].Trim();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))), hash);
        Assert.Contains("\"collector-07\"", stdout, StringComparison.Ordinal);
    }
}
