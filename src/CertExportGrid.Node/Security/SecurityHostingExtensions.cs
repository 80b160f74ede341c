using CertExportGrid.Grains.Suppression;
using CertExportGrid.Node.Hosting;
using CertExportGrid.Node.Suppression;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace CertExportGrid.Node.Security;

/// <summary>Wires authentication, authorization, rate limits and suppression into the server.</summary>
public static class SecurityHostingExtensions
{
    /// <summary>
    /// Call before the listen addresses are checked: it loads the optional security file so the
    /// check knows whether credentials are configured. A broken security configuration stops the
    /// server here with the reason.
    /// </summary>
    public static WebApplicationBuilder AddCertExportGridSecurity(this WebApplicationBuilder builder)
    {
        var file = builder.Configuration[$"{SecurityOptions.Section}:File"];
        if (!string.IsNullOrWhiteSpace(file))
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: true);
        }

        // Fail at boot, not at the first call.
        SecurityConfig.Build(builder.Configuration.GetSection(SecurityOptions.Section).Get<SecurityOptions>() ?? new SecurityOptions());

        builder.Services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section);
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CallerAuthenticator>();
        builder.Services.AddSingleton<SecurityMetrics>();
        builder.Services.AddSingleton<IngestRateLimiter>();
        builder.Services.AddSuppressionRuleCache();
        // Registered before the gateway's own interceptors, so it runs first on every call.
        builder.Services.Configure<GrpcServiceOptions>(grpc => grpc.Interceptors.Add<AuthorizationInterceptor>());

        // TLS endpoints ask for a client certificate but do not require one (API-key clients have
        // none). The TLS layer accepts any certificate; CallerAuthenticator decides what it proves,
        // so certificate mappings can change without a restart.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (_, _, _) => true;
        }));
        return builder;
    }

    /// <summary>Maps the admin service (gateway roles) and logs the security mode once listening.</summary>
    public static WebApplication UseCertExportGridSecurity(this WebApplication app)
    {
        var node = app.Services.GetRequiredService<IOptions<NodeOptions>>().Value;
        if (node.Role is NodeRole.All or NodeRole.Gateway)
        {
            app.MapGrpcService<AdminService>();
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var config = app.Services.GetRequiredService<CallerAuthenticator>().Config;
            var urls = string.Join(", ", app.Urls);
            if (config.IsOpen)
            {
                SecurityLog.LocalMode(app.Logger, urls);
            }
            else
            {
                SecurityLog.Enforced(app.Logger, config.ToString(), urls);
            }
        });
        return app;
    }
}
