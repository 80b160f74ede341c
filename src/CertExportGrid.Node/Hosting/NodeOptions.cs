using System.ComponentModel.DataAnnotations;

namespace CertExportGrid.Node.Hosting;

/// <summary>What this process runs (configuration key CertExportGrid:Role, or --role).</summary>
public enum NodeRole
{
    /// <summary>Silo and gRPC gateway in one process: the single-machine default.</summary>
    All,

    /// <summary>Grains only.</summary>
    Silo,

    /// <summary>gRPC front door as an Orleans client; hosts no grains.</summary>
    Gateway,
}

/// <summary>Where grain state lives.</summary>
public enum StorageKind
{
    /// <summary>A SQLite file under <see cref="NodeOptions.DataDirectory"/>: durable, the default.</summary>
    Sqlite,

    /// <summary>Process memory: lost on exit. Only for tests and throwaway runs.</summary>
    Memory,

    /// <summary>Redis (CertExportGrid:Cluster:RedisConnectionString): shared by every silo of a cluster.</summary>
    Redis,
}

/// <summary>How silos find each other.</summary>
public enum ClusterProvider
{
    /// <summary>One silo on loopback: the embedded default.</summary>
    Localhost,

    /// <summary>Membership in Redis: any number of silos and gateways.</summary>
    Redis,
}

/// <summary>Options of the server binary (configuration section CertExportGrid).</summary>
public sealed class NodeOptions
{
    public const string Section = "CertExportGrid";

    /// <summary>Role of this process (default All).</summary>
    public NodeRole Role { get; set; } = NodeRole.All;

    /// <summary>Folder for durable state (default "data" under the working directory; --data DIR).</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Grain storage (default Sqlite).</summary>
    public StorageKind Storage { get; set; } = StorageKind.Sqlite;

    /// <summary>
    /// Optional path of a security_content-style rule YAML file replacing the shipped
    /// "Windows Export Certificate" metadata.
    /// </summary>
    public string? RuleFile { get; set; }

    public ClusterSettings Cluster { get; set; } = new();
}

/// <summary>Orleans cluster identity and endpoints (section CertExportGrid:Cluster).</summary>
public sealed class ClusterSettings
{
    /// <summary>Membership provider (default Localhost).</summary>
    public ClusterProvider Provider { get; set; } = ClusterProvider.Localhost;

    /// <summary>
    /// StackExchange.Redis connection string (e.g. "redis:6379"), for Provider=Redis and Storage=Redis.
    /// </summary>
    public string? RedisConnectionString { get; set; }

    /// <summary>
    /// The address other silos and gateways use to reach this silo: its own IP or a host name that
    /// resolves to it (never a load-balanced name). Default: loopback for Localhost, otherwise the
    /// first IPv4 address of this host's name. The silo listens on this address only.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Same value on every silo and gateway of one deployment (default "certexportgrid").</summary>
    public string ClusterId { get; set; } = "certexportgrid";

    /// <summary>Stable across deployments: storage is keyed by it (default "certexportgrid").</summary>
    public string ServiceId { get; set; } = "certexportgrid";

    /// <summary>Silo-to-silo port (default 11111), bound to loopback in the embedded setup.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port where Orleans clients (gateway role) connect (default 30000).</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
}
