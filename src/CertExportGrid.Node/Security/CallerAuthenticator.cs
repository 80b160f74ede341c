using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Security;

/// <summary>The outcome of authenticating one call.</summary>
public readonly record struct Authentication(Caller? Caller, string? Failure, string? Presented)
{
    public static Authentication Success(Caller caller) => new(caller, null, null);

    public static Authentication Fail(string failure, string? presented = null) => new(null, failure, presented);
}

/// <summary>
/// Finds the caller of a call from its credentials: an API key (<c>authorization: ApiKey KEY</c> or
/// <c>x-api-key: KEY</c>) first, else the TLS client certificate. The configuration is re-read on
/// every change of the underlying files, so keys rotate without a restart; a broken edit is logged
/// and the previous configuration stays in force.
/// </summary>
public sealed class CallerAuthenticator : IDisposable
{
    private readonly ILogger<CallerAuthenticator> _logger;
    private readonly IDisposable? _subscription;
    private volatile SecurityConfig _config;

    public CallerAuthenticator(IOptionsMonitor<SecurityOptions> options, ILogger<CallerAuthenticator> logger)
    {
        _logger = logger;
        _config = SecurityConfig.Build(options.CurrentValue);
        _subscription = options.OnChange(Reload);
    }

    public SecurityConfig Config => _config;

    public void Dispose() => _subscription?.Dispose();

    public Authentication Authenticate(HttpContext? http)
    {
        var config = _config;
        if (config.IsOpen)
        {
            return Authentication.Success(Caller.Local);
        }

        if (http is null)
        {
            return Authentication.Fail("no connection details are available for this call");
        }

        if (TryGetApiKey(http.Request.Headers, out var key, out var malformed))
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            // The dictionary is keyed by a hash of a 256-bit random secret: timing reveals nothing usable.
            return config.ApiKeys.TryGetValue(hash, out var caller)
                ? Authentication.Success(caller)
                : Authentication.Fail("the API key is not valid (unknown, or rotated out)", $"api-key sha256 prefix {hash[..8]}");
        }

        if (malformed is not null)
        {
            return Authentication.Fail(malformed);
        }

        var certificate = http.Connection.ClientCertificate;
        if (certificate is not null)
        {
            return AuthenticateCertificate(config, certificate);
        }

        return Authentication.Fail("no credentials: send 'authorization: ApiKey <key>' or 'x-api-key: <key>', or a client certificate over TLS");
    }

    private static Authentication AuthenticateCertificate(SecurityConfig config, X509Certificate2 certificate)
    {
        var described = $"client certificate CN={certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)} thumbprint {certificate.Thumbprint}";
        var now = DateTime.UtcNow;
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return Authentication.Fail("the client certificate is expired or not yet valid", described);
        }

        if (config.Thumbprints.TryGetValue(certificate.Thumbprint.ToUpperInvariant(), out var pinned))
        {
            return Authentication.Success(pinned);
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!config.CommonNames.TryGetValue(commonName, out var named))
        {
            return Authentication.Fail("the client certificate is not mapped to an identity (CertExportGrid:Security:ClientCertificates)", described);
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (config.ClientCas.Count > 0)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(config.ClientCas);
        }

        return chain.Build(certificate)
            ? Authentication.Success(named)
            : Authentication.Fail("the client certificate does not chain to a trusted client CA (CertExportGrid:Security:ClientCaFile)", described);
    }

    private static bool TryGetApiKey(IHeaderDictionary headers, out string key, out string? malformed)
    {
        key = "";
        malformed = null;
        var header = headers["x-api-key"].ToString();
        if (header.Length > 0)
        {
            key = header.Trim();
            if (key.Length == 0)
            {
                malformed = "the x-api-key header is empty";
                return false;
            }

            return true;
        }

        var authorization = headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return false;
        }

        const string scheme = "ApiKey ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            malformed = "the authorization header must use the ApiKey scheme: 'authorization: ApiKey <key>'";
            return false;
        }

        key = authorization[scheme.Length..].Trim();
        return key.Length > 0;
    }

    private void Reload(SecurityOptions options)
    {
        try
        {
            var next = SecurityConfig.Build(options);
            _config = next;
            SecurityLog.Reloaded(_logger, next.ToString());
        }
        catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or FormatException)
        {
            SecurityLog.ReloadFailed(_logger, exception.Message);
        }
    }
}
