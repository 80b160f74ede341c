using CertExportGrid.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;

namespace CertExportGrid.Grains.Hosting;

public static class GrainsHostingExtensions
{
    /// <summary>Registers the embedded SQLite grain storage under <paramref name="name"/>.</summary>
    public static IServiceCollection AddSqliteGrainStorage(this IServiceCollection services, string name, SqliteGrainStorageOptions options) =>
        services.AddGrainStorage(name, (sp, providerName) => new SqliteGrainStorage(
            providerName,
            options,
            sp.GetRequiredService<Serializer>(),
            sp.GetRequiredService<ILogger<SqliteGrainStorage>>()));
}
