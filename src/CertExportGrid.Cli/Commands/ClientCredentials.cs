using System.CommandLine;
using System.CommandLine.Invocation;
using System.Security.Cryptography.X509Certificates;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// How the CLI proves who it is: an API key (<c>--api-key</c>, <c>--api-key-file</c> or
/// $CERTEXPORTGRID_API_KEY, sent as <c>authorization: ApiKey KEY</c>) and/or a client certificate
/// for mutual TLS (<c>--client-cert</c> PEM or PFX, <c>--client-key</c> for a PEM key), plus
/// <c>--server-ca</c> to trust a server certificate from a private CA. The options are recursive
/// on the root; every command's channel picks them up in <see cref="CommonOptions.OpenChannel"/>.
/// </summary>
internal sealed class ClientCredentials
{
    public const string ApiKeyEnvironmentVariable = "CERTEXPORTGRID_API_KEY";

    private static readonly AsyncLocal<ClientCredentials?> CurrentValue = new();

    private static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = $"API key to authenticate with (default ${ApiKeyEnvironmentVariable}). Prefer --api-key-file: command lines are visible to other users.",
        HelpName = "KEY",
        Recursive = true,
    };

    private static readonly Option<string?> ApiKeyFile = new("--api-key-file")
    {
        Description = "File whose first line is the API key.",
        HelpName = "FILE",
        Recursive = true,
    };

    private static readonly Option<string?> ClientCertificate = new("--client-cert")
    {
        Description = "Client certificate for mutual TLS: a PEM file (with --client-key) or a PFX/PKCS#12 file.",
        HelpName = "FILE",
        Recursive = true,
    };

    private static readonly Option<string?> ClientKey = new("--client-key")
    {
        Description = "PEM private key of --client-cert (when the certificate file does not hold it).",
        HelpName = "FILE",
        Recursive = true,
    };

    private static readonly Option<string?> ServerCa = new("--server-ca")
    {
        Description = "PEM file of the CA that issued the server's certificate (instead of the system trust store).",
        HelpName = "FILE",
        Recursive = true,
    };

    private ClientCredentials(string? apiKey, X509Certificate2? certificate, X509Certificate2Collection? serverCas)
    {
        Key = apiKey;
        Certificate = certificate;
        ServerCas = serverCas;
    }

    /// <summary>The credentials of the command being run, or null when none were given.</summary>
    public static ClientCredentials? Current => CurrentValue.Value;

    public string? Key { get; }
    public X509Certificate2? Certificate { get; }
    public X509Certificate2Collection? ServerCas { get; }

    /// <summary>Adds the options to the root and makes every command load them before it runs.</summary>
    public static void AddTo(RootCommand root)
    {
        root.Options.Add(ApiKey);
        root.Options.Add(ApiKeyFile);
        root.Options.Add(ClientCertificate);
        root.Options.Add(ClientKey);
        root.Options.Add(ServerCa);
        foreach (var command in root.Subcommands)
        {
            if (command.Action is AsynchronousCommandLineAction inner)
            {
                command.Action = new LoadingAction(inner);
            }
        }
    }

    /// <summary>The HTTP handler that carries the credentials.</summary>
    public HttpMessageHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (Certificate is not null)
        {
            handler.SslOptions.ClientCertificates = [Certificate];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => Certificate;
        }

        if (ServerCas is { Count: > 0 } cas)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || errors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(cas);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }

        return Key is null ? handler : new ApiKeyHandler(Key) { InnerHandler = handler };
    }

    private static ClientCredentials? Load(ParseResult parse)
    {
        var key = parse.GetValue(ApiKey);
        if (parse.GetValue(ApiKeyFile) is { } keyFile)
            key = File.ReadLines(keyFile).FirstOrDefault()?.Trim() is { Length: > 0 } line ? line : throw new InvalidDataException($"--api-key-file {keyFile} is empty.");
        key ??= Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) is { Length: > 0 } env ? env.Trim() : null;

        X509Certificate2? certificate = null;
        if (parse.GetValue(ClientCertificate) is { } certificateFile)
        {
            certificate = parse.GetValue(ClientKey) is { } keyPath
                ? X509Certificate2.CreateFromPemFile(certificateFile, keyPath)
                : certificateFile.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || certificateFile.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                    ? X509Certificate2.CreateFromPemFile(certificateFile)
                    : X509CertificateLoader.LoadPkcs12FromFile(certificateFile, Environment.GetEnvironmentVariable("CERTEXPORTGRID_CLIENT_CERT_PASSWORD"));
        }

        X509Certificate2Collection? cas = null;
        if (parse.GetValue(ServerCa) is { } caFile)
        {
            cas = [];
            cas.ImportFromPemFile(caFile);
        }

        return key is null && certificate is null && cas is null ? null : new ClientCredentials(key, certificate, cas);
    }

    private sealed class LoadingAction(AsynchronousCommandLineAction inner) : AsynchronousCommandLineAction
    {
        public override async Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default)
        {
            try
            {
                CurrentValue.Value = Load(parseResult);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"error: credentials: {exception.Message}");
                return ExitCodes.Usage;
            }

            return await inner.InvokeAsync(parseResult, cancellationToken);
        }
    }

    private sealed class ApiKeyHandler(string key) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("authorization", "ApiKey " + key);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
