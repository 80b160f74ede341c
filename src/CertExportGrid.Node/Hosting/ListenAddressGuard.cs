using System.Net;
using CertExportGrid.Node.Security;

namespace CertExportGrid.Node.Hosting;

/// <summary>
/// Secure by default: without credentials the server only ever listens on loopback; beyond
/// loopback it needs credentials AND TLS on that endpoint. Checked before anything binds, so a
/// wrong setting fails at boot with a message, not at 3 a.m.
/// </summary>
public static class ListenAddressGuard
{
    /// <summary>Used when no address is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Returns the configured URLs, or throws naming the first one that is not allowed and why.</summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        var credentials = ListenPolicy.HasCredentials(configuration);
        var defaultCertificate = ListenPolicy.HasDefaultCertificate(configuration);

        foreach (var portsKey in new[] { "HTTP_PORTS", "ASPNETCORE_HTTP_PORTS" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[portsKey]))
            {
                throw Refuse($"{portsKey}={configuration[portsKey]} (binds every interface without TLS)", credentials);
            }
        }

        foreach (var portsKey in new[] { "HTTPS_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[portsKey]) && !(credentials && defaultCertificate))
            {
                throw Refuse($"{portsKey}={configuration[portsKey]} (binds every interface)", credentials);
            }
        }

        var urls = new List<string>();
        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            Check(url, IsHttps(url) && defaultCertificate, credentials);
            urls.Add(url);
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is not { } url)
            {
                continue;
            }

            Check(url, IsHttps(url) && (defaultCertificate || ListenPolicy.HasCertificate(endpoint.GetSection("Certificate"))), credentials);
            urls.Add(url);
        }

        return urls;
    }

    private static void Check(string url, bool tls, bool credentials)
    {
        // Said first: a malformed address is not a security refusal, and Kestrel's own error for it
        // would come only after the cluster had started.
        if (!IsWellFormed(url))
        {
            throw new InvalidOperationException(
                $"'{url}' is not a listen address: use http://HOST:PORT or https://HOST:PORT, for example {DefaultUrl}.");
        }

        if (!IsLoopback(url) && !(credentials && tls))
        {
            throw Refuse(url, credentials);
        }
    }

    private static bool IsWellFormed(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || !(url[..scheme].Equals("http", StringComparison.OrdinalIgnoreCase) || url[..scheme].Equals("https", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var authority = url[(scheme + 3)..].Split('/')[0];
        return authority.Length > 0 && !authority.StartsWith(':');
    }

    private static bool IsHttps(string url) => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static bool IsLoopback(string url)
    {
        // Kestrel accepts wildcards that Uri cannot parse ("http://*:5000", "http://+:5000").
        var authority = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var host = authority.Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static InvalidOperationException Refuse(string what, bool credentials) => new(credentials
        ? $"Refusing to listen on {what}: beyond loopback CertExportGrid only listens with TLS on that endpoint (credentials are configured, TLS is not). {ListenPolicy.HowTo}"
        : $"Refusing to listen on {what}: CertExportGrid has no authentication configured, so it only listens on loopback " +
          $"(127.0.0.1, [::1] or localhost; e.g. --urls {DefaultUrl}). {ListenPolicy.HowTo}");
}
