using System.Net;
using System.Net.Sockets;
using CertExportGrid.Grains;
using CertExportGrid.Grains.Hosting;
using CertExportGrid.Grains.Storage;
using Orleans.Configuration;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace CertExportGrid.Node.Hosting;

/// <summary>The Orleans side of a node: a silo (roles All and Silo) or a cluster client (role Gateway).</summary>
public static class OrleansHostingExtensions
{
    public static void AddSilo(this WebApplicationBuilder builder, NodeOptions node)
    {
        CheckClusterStorage(node);
        var cluster = node.Cluster;
        var advertised = AdvertisedAddress(cluster);
        if (node.Storage == StorageKind.Sqlite)
        {
            StartupChecks.EnsureWritableDirectory(node.DataDirectory);

            // Held until the host is disposed: a factory registration makes the container own it,
            // and MapCertExportGrid resolves it so the container has it to dispose.
            var folderLock = DataFolderLock.Acquire(node.DataDirectory);
            builder.Services.AddSingleton(_ => folderLock);
        }

        StartupChecks.EnsurePortsFree(advertised, ("Orleans silo", cluster.SiloPort), ("Orleans gateway", cluster.GatewayPort));
        builder.UseOrleans(silo =>
        {
            if (cluster.Provider == ClusterProvider.Redis)
            {
                silo.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(cluster.RedisConnectionString!));
                silo.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
                silo.ConfigureEndpoints(advertised, cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            }
            else
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            }

            switch (node.Storage)
            {
                case StorageKind.Memory:
                    silo.AddMemoryGrainStorage(StorageNames.Findings);
                    break;
                case StorageKind.Redis:
                    silo.AddRedisGrainStorage(StorageNames.Findings, options => options.ConfigurationOptions = ConfigurationOptions.Parse(cluster.RedisConnectionString!));
                    // The Orleans binary serializer, as for SQLite: compact and tolerant of added fields.
                    silo.Services.AddOptions<RedisStorageOptions>(StorageNames.Findings)
                        .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));
                    break;
                default:
                    silo.Services.AddSqliteGrainStorage(StorageNames.Findings, new SqliteGrainStorageOptions
                    {
                        DatabasePath = Path.Combine(node.DataDirectory, "certexportgrid.db"),
                    });
                    break;
            }
        });
    }

    public static void AddClusterClient(this WebApplicationBuilder builder, NodeOptions node)
    {
        var cluster = node.Cluster;
        builder.UseOrleansClient(client =>
        {
            if (cluster.Provider == ClusterProvider.Redis)
            {
                client.UseRedisClustering(options => options.ConfigurationOptions = ConfigurationOptions.Parse(cluster.RedisConnectionString!));
                client.Configure<ClusterOptions>(options => (options.ClusterId, options.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            }
        });
    }

    /// <summary>A cluster needs shared state and a membership store; refuse combinations that would split it.</summary>
    private static void CheckClusterStorage(NodeOptions node)
    {
        var cluster = node.Cluster;
        if ((cluster.Provider == ClusterProvider.Redis || node.Storage == StorageKind.Redis) && string.IsNullOrWhiteSpace(cluster.RedisConnectionString))
        {
            throw new InvalidOperationException("CertExportGrid:Cluster:RedisConnectionString is required with Cluster:Provider=Redis or Storage=Redis (e.g. \"127.0.0.1:6379\").");
        }

        if (cluster.Provider == ClusterProvider.Redis && node.Storage != StorageKind.Redis)
        {
            throw new InvalidOperationException(
                $"CertExportGrid:Storage={node.Storage} keeps state on one machine, so grains moving between silos would lose it. A Redis cluster needs Storage=Redis.");
        }
    }

    private static IPAddress AdvertisedAddress(ClusterSettings cluster)
    {
        if (cluster.AdvertisedAddress is { Length: > 0 } configured)
        {
            if (IPAddress.TryParse(configured, out var address))
            {
                return address;
            }

            return Dns.GetHostAddresses(configured).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? throw new InvalidOperationException($"CertExportGrid:Cluster:AdvertisedAddress '{configured}' does not resolve to an IPv4 address.");
        }

        return cluster.Provider == ClusterProvider.Localhost
            ? IPAddress.Loopback
            : Dns.GetHostAddresses(Dns.GetHostName()).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? throw new InvalidOperationException("No IPv4 address found for this host; set CertExportGrid:Cluster:AdvertisedAddress.");
    }
}
