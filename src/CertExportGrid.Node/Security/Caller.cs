namespace CertExportGrid.Node.Security;

/// <summary>How a caller proved who it is.</summary>
public enum CallerKind
{
    /// <summary>No credentials are configured: local single-user mode on loopback.</summary>
    Local,
    ApiKey,
    ClientCertificate,
}

/// <summary>An authenticated caller: its identity (never the secret), roles and host binding.</summary>
public sealed class Caller(string name, CallerKind kind, Roles roles, HostPatterns hosts)
{
    /// <summary>The single caller of local mode.</summary>
    public static readonly Caller Local = new("local", CallerKind.Local, Roles.All, HostPatterns.Any);

    public string Name { get; } = name;
    public CallerKind Kind { get; } = kind;
    public Roles Roles { get; } = roles;
    public HostPatterns Hosts { get; } = hosts;

    public bool Has(Roles role) => (Roles & role) == role;
}
