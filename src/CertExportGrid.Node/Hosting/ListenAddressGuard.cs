using System.Net;

namespace CertExportGrid.Node.Hosting;

/// <summary>
/// Secure by default: no authentication exists yet, so the server only ever listens on loopback.
/// Checked before anything binds, so a wrong setting fails at boot with a message, not at 3 a.m.
/// </summary>
public static class ListenAddressGuard
{
    /// <summary>Used when no address is configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:50051";

    /// <summary>Returns the configured URLs, or throws naming the first non-loopback one.</summary>
    public static IReadOnlyList<string> Validate(IConfiguration configuration)
    {
        foreach (var portsKey in new[] { "HTTP_PORTS", "HTTPS_PORTS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            if (!string.IsNullOrWhiteSpace(configuration[portsKey]))
            {
                throw Refuse($"{portsKey}={configuration[portsKey]} (binds every interface)");
            }
        }

        var urls = (configuration["urls"] ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren()
                .Select(endpoint => endpoint["Url"]).OfType<string>())
            .ToList();

        foreach (var url in urls)
        {
            if (!IsLoopback(url))
            {
                throw Refuse(url);
            }
        }

        return urls;
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel accepts wildcards that Uri cannot parse ("http://*:5000", "http://+:5000").
        var authority = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var host = authority.Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    private static InvalidOperationException Refuse(string what) => new(
        $"Refusing to listen on {what}: CertExportGrid has no authentication configured, so it only listens on loopback " +
        $"(127.0.0.1, [::1] or localhost). Use --urls {DefaultUrl}, or put an authenticating proxy in front and bind it to loopback.");
}
