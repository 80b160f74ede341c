using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Net.Client;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>A generated API key with its configured hash.</summary>
public sealed record TestKey(string Name, string Secret, string Sha256, string[] Roles, string[] Hosts)
{
    public static TestKey Create(string name, string[] roles, params string[] hosts)
    {
        var secret = "cxg_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return new TestKey(name, secret, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), roles, hosts);
    }

    /// <summary>The configuration entries of this key as CertExportGrid:Security:ApiKeys:<paramref name="index"/>.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings(int index)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"CertExportGrid:Security:ApiKeys:{index}");
        yield return new($"{prefix}:Name", Name);
        yield return new($"{prefix}:Sha256", Sha256);
        for (var i = 0; i < Roles.Length; i++)
        {
            yield return new(string.Create(CultureInfo.InvariantCulture, $"{prefix}:Roles:{i}"), Roles[i]);
        }

        for (var i = 0; i < Hosts.Length; i++)
        {
            yield return new(string.Create(CultureInfo.InvariantCulture, $"{prefix}:Hosts:{i}"), Hosts[i]);
        }
    }

    /// <summary>The key as it appears in a JSON security file's ApiKeys array.</summary>
    public object Json() => new { Name, Sha256, Roles, Hosts };
}

/// <summary>Adds credentials to every request, the way a collector's channel would.</summary>
public sealed class ApiKeyHandler(string? key, bool useAuthorizationHeader = false) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (key is not null)
        {
            if (useAuthorizationHeader)
            {
                request.Headers.TryAddWithoutValidation("authorization", "ApiKey " + key);
            }
            else
            {
                request.Headers.TryAddWithoutValidation("x-api-key", key);
            }
        }

        return base.SendAsync(request, cancellationToken);
    }
}

public static class SecurityTestSupport
{
    /// <summary>Settings for a node whose API keys are <paramref name="keys"/>, plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> WithKeys(IEnumerable<TestKey> keys, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>();
        var index = 0;
        foreach (var key in keys)
        {
            foreach (var (name, value) in key.Settings(index++))
            {
                settings[name] = value;
            }
        }

        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
    }

    /// <summary>A channel to the in-process node that sends <paramref name="key"/> (or nothing).</summary>
    public static GrpcChannel CreateChannel(this NodeFactory factory, string? key, bool useAuthorizationHeader = false) =>
        GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = new ApiKeyHandler(key, useAuthorizationHeader) { InnerHandler = factory.Server.CreateHandler() },
        });
}
