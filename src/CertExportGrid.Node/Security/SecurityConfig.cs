using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace CertExportGrid.Node.Security;

/// <summary>
/// <see cref="SecurityOptions"/> checked and turned into lookup tables. Built at start (a mistake
/// stops the server) and on every reload (a mistake keeps the previous configuration and is logged).
/// </summary>
public sealed class SecurityConfig
{
    private SecurityConfig()
    {
    }

    /// <summary>No credentials configured: local single-user mode (loopback only, every call allowed).</summary>
    public bool IsOpen => ApiKeys.Count == 0 && Thumbprints.Count == 0 && CommonNames.Count == 0;

    /// <summary>Identities by the lowercase hex SHA-256 of their key.</summary>
    public Dictionary<string, Caller> ApiKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>Identities by uppercase SHA-1 thumbprint (pins).</summary>
    public Dictionary<string, Caller> Thumbprints { get; } = new(StringComparer.Ordinal);

    /// <summary>Identities by subject CN (chain required).</summary>
    public Dictionary<string, Caller> CommonNames { get; } = new(StringComparer.Ordinal);

    /// <summary>Trust anchors for CN-mapped client certificates; empty = the system store.</summary>
    public X509Certificate2Collection ClientCas { get; } = [];

    /// <summary>Every identity with how it is matched, for the admin configuration view.</summary>
    public List<(Caller Caller, string Match)> Identities { get; } = [];

    /// <summary>Checks and compiles; throws <see cref="InvalidOperationException"/> naming every problem.</summary>
    public static SecurityConfig Build(SecurityOptions options)
    {
        var errors = new List<string>();
        var config = new SecurityConfig();
        var names = new HashSet<string>(StringComparer.Ordinal);

        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var where = $"{SecurityOptions.Section}:ApiKeys:{i}";
            var caller = Identity(key, CallerKind.ApiKey, where, names, errors);
            var hash = key.Sha256.Trim().ToLowerInvariant();
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                errors.Add($"{where}:Sha256 must be the 64 hex digits of the key's SHA-256 (run `certexportgrid keygen`).");
            }
            else if (caller is not null && !config.ApiKeys.TryAdd(hash, caller))
            {
                errors.Add($"{where}:Sha256 is the same key as another entry.");
            }

            if (caller is not null)
            {
                config.Identities.Add((caller, "sha256"));
            }
        }

        for (var i = 0; i < options.ClientCertificates.Count; i++)
        {
            var mapping = options.ClientCertificates[i];
            var where = $"{SecurityOptions.Section}:ClientCertificates:{i}";
            var caller = Identity(mapping, CallerKind.ClientCertificate, where, names, errors);
            var thumbprint = mapping.Thumbprint?.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            var commonName = mapping.SubjectCommonName?.Trim();
            if (string.IsNullOrEmpty(thumbprint) == string.IsNullOrEmpty(commonName))
            {
                errors.Add($"{where}: set exactly one of Thumbprint and SubjectCommonName.");
            }
            else if (!string.IsNullOrEmpty(thumbprint))
            {
                if (thumbprint.Length != 40 || !thumbprint.All(Uri.IsHexDigit))
                {
                    errors.Add($"{where}:Thumbprint must be 40 hex digits (the certificate's SHA-1 thumbprint).");
                }
                else if (caller is not null && !config.Thumbprints.TryAdd(thumbprint, caller))
                {
                    errors.Add($"{where}:Thumbprint is mapped twice.");
                }
                else if (caller is not null)
                {
                    config.Identities.Add((caller, "thumbprint"));
                }
            }
            else if (caller is not null && !config.CommonNames.TryAdd(commonName!, caller))
            {
                errors.Add($"{where}:SubjectCommonName is mapped twice.");
            }
            else if (caller is not null)
            {
                config.Identities.Add((caller, "subject-cn"));
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ClientCaFile))
        {
            try
            {
                config.ClientCas.ImportFromPemFile(options.ClientCaFile);
                if (config.ClientCas.Count == 0)
                {
                    errors.Add($"{SecurityOptions.Section}:ClientCaFile '{options.ClientCaFile}' holds no PEM certificate.");
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                errors.Add($"{SecurityOptions.Section}:ClientCaFile '{options.ClientCaFile}' cannot be read: {exception.Message}");
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("Invalid security configuration: " + string.Join(" ", errors));
        }

        return config;
    }

    private static Caller? Identity(IdentityOptions identity, CallerKind kind, string where, HashSet<string> names, List<string> errors)
    {
        var before = errors.Count;
        if (string.IsNullOrWhiteSpace(identity.Name))
        {
            errors.Add($"{where}:Name is required (it is the caller's identity in logs and provenance).");
        }
        else if (!names.Add(identity.Name))
        {
            errors.Add($"{where}:Name '{identity.Name}' is used by another key or certificate; names must be unique.");
        }

        var roles = Roles.None;
        foreach (var name in identity.Roles)
        {
            if (RoleNames.TryParse(name, out var role))
            {
                roles |= role;
            }
            else
            {
                errors.Add($"{where}:Roles has '{name}'; the roles are ingest, read and admin.");
            }
        }

        if (roles == Roles.None && identity.Roles.Count == 0)
        {
            errors.Add($"{where}:Roles must name at least one of ingest, read, admin.");
        }

        return errors.Count > before ? null : new Caller(identity.Name, kind, roles, new HostPatterns(identity.Hosts));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{ApiKeys.Count} API keys, {Thumbprints.Count + CommonNames.Count} client certificate mappings");
}
