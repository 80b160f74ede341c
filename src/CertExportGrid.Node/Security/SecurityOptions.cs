namespace CertExportGrid.Node.Security;

/// <summary>
/// Who may call the server (configuration section CertExportGrid:Security). Read through
/// IOptionsMonitor: editing the configuration file (appsettings.json, or the file named by
/// <see cref="File"/>) rotates keys without a restart. With no API key and no client certificate
/// configured the server runs in local mode: loopback only, every call allowed.
/// </summary>
public sealed class SecurityOptions
{
    public const string Section = "CertExportGrid:Security";

    /// <summary>
    /// Optional path of a JSON file holding more of this configuration (same key layout, starting
    /// at the root: {"CertExportGrid":{"Security":{...}}}), watched and reloaded on change. Keeps
    /// key hashes out of appsettings.json and lets a secret store write one file.
    /// </summary>
    public string? File { get; set; }

    /// <summary>API keys, stored as SHA-256 hashes. Several per role; each has a name (the caller's identity).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Client certificates (mutual TLS) mapped to identities by thumbprint or subject CN.</summary>
    public List<ClientCertificateOptions> ClientCertificates { get; set; } = [];

    /// <summary>
    /// PEM file of the CA(s) that issue client certificates. Certificates mapped by subject CN must
    /// chain to one of them (or, when unset, to the system trust store). Thumbprint mappings are pins
    /// and need no chain.
    /// </summary>
    public string? ClientCaFile { get; set; }
}

/// <summary>Settings every identity shares.</summary>
public abstract class IdentityOptions
{
    /// <summary>The identity: logged with every denial, recorded on findings as provenance. Unique.</summary>
    public string Name { get; set; } = "";

    /// <summary>Roles: ingest (Ingest.*), read (Findings.*), admin (Admin.*). One or more.</summary>
    public List<string> Roles { get; set; } = [];

    /// <summary>
    /// For collectors: the Computer values this identity may send events for, exact or glob
    /// (* and ?), compared ignoring case. Empty: any host.
    /// </summary>
    public List<string> Hosts { get; set; } = [];
}

/// <summary>One API key (CertExportGrid:Security:ApiKeys:N).</summary>
public sealed class ApiKeyOptions : IdentityOptions
{
    /// <summary>SHA-256 of the key's UTF-8 bytes, 64 hex digits (`certexportgrid keygen` prints it).</summary>
    public string Sha256 { get; set; } = "";
}

/// <summary>One client certificate mapping (CertExportGrid:Security:ClientCertificates:N). Set exactly one of the two.</summary>
public sealed class ClientCertificateOptions : IdentityOptions
{
    /// <summary>SHA-1 thumbprint (40 hex digits, as Windows and X509Certificate2.Thumbprint show it): a pin.</summary>
    public string? Thumbprint { get; set; }

    /// <summary>Subject common name (CN); the certificate must chain to <see cref="SecurityOptions.ClientCaFile"/>.</summary>
    public string? SubjectCommonName { get; set; }
}
