using Microsoft.Extensions.DependencyInjection;

namespace CertExportGrid.Grains.Suppression;

public static class SuppressionServiceCollectionExtensions
{
    /// <summary>Registers the silo's suppression rule cache that finding grains consult.</summary>
    public static IServiceCollection AddSuppressionRuleCache(this IServiceCollection services)
    {
        services.AddSingleton<SuppressionRuleCache>();
        return services;
    }
}
