using System.Net;
using CertExportGrid.Detection.Parsing;
using CertExportGrid.Detection.Rules;
using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using CertExportGrid.Grains.Hosting;
using CertExportGrid.Grains.Storage;
using CertExportGrid.Node.Diagnostics;
using CertExportGrid.Node.Findings;
using CertExportGrid.Node.ErrorHandling;
using CertExportGrid.Node.Ingest;
using CertExportGrid.Node.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertExportGrid.Node.Hosting;

/// <summary>Wires the server from configuration: role, Orleans, storage, gRPC services.</summary>
public static class NodeHostingExtensions
{
    /// <summary>Short command-line switches mapped onto configuration keys.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--data"] = $"{NodeOptions.Section}:DataDirectory",
        ["--role"] = $"{NodeOptions.Section}:Role",
        ["--storage"] = $"{NodeOptions.Section}:Storage",
    };

    /// <summary>The shipped rule, or the configured file; a file's problem names the setting it came from.</summary>
    private static DetectionRule LoadRule(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return DetectionRuleLoader.LoadDefault();
        }

        try
        {
            return DetectionRuleLoader.LoadFile(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The detection rule file (CertExportGrid:RuleFile) cannot be read: {exception.Message}", exception);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException($"CertExportGrid:RuleFile: {exception.Message}", exception);
        }
    }

    public static WebApplicationBuilder AddCertExportGrid(this WebApplicationBuilder builder, string[] args)
    {
        builder.Configuration.AddCommandLine(args, SwitchMappings.ToDictionary());

        // Security (authn/authz, rate limits, suppression): see Security/SecurityHostingExtensions.cs.
        builder.AddCertExportGridSecurity();

        var node = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        StartupChecks.Validate(node);

        var urls = ListenAddressGuard.Validate(builder.Configuration);
        if (urls.Count == 0)
        {
            builder.WebHost.UseUrls(ListenAddressGuard.DefaultUrl);
        }

        StartupChecks.EnsureListenAddressesFree(urls.Count == 0 ? [ListenAddressGuard.DefaultUrl] : urls);

        // gRPC over cleartext needs HTTP/2 with prior knowledge, which Kestrel serves only on
        // HTTP/2-only endpoints.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

        builder.Services.AddOptions<NodeOptions>().BindConfiguration(NodeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SubscriberOptions>().BindConfiguration(SubscriberOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<FindingGrainOptions>().BindConfiguration($"{NodeOptions.Section}:Grains")
            .Validate(options => options.DedupWindow >= 1, "CertExportGrid:Grains:DedupWindow must be at least 1.")
            .Validate(options => options.IndexPageSize is >= 1 and <= 100_000, "CertExportGrid:Grains:IndexPageSize must be between 1 and 100000.")
            .ValidateOnStart();

        var rule = LoadRule(node.RuleFile);
        builder.Services.AddSingleton(rule);

        if (node.Role is NodeRole.All or NodeRole.Silo)
        {
            builder.AddSilo(node);
        }
        else
        {
            builder.AddClusterClient(node);
        }

        if (node.Role is NodeRole.All or NodeRole.Gateway)
        {
            builder.AddGateway();
        }

        builder.AddOperations(node);

        // Every role answers grpc.health.v1, ready when a grain call round-trips.
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<ExceptionMappingInterceptor>();
            grpc.MaxReceiveMessageSize = builder.Configuration.GetValue($"{IngestOptions.Section}:MaxMessageBytes", new IngestOptions().MaxMessageBytes);
        });
        builder.Services.AddGrpcHealthChecks().AddCheck<ClusterHealthCheck>("cluster");

        return builder;
    }

    public static WebApplication MapCertExportGrid(this WebApplication app)
    {
        var node = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NodeOptions>>().Value;
        _ = app.Services.GetService<DataFolderLock>(); // resolved, so the host releases it when disposed
        if (node.Role is NodeRole.All or NodeRole.Gateway)
        {
            app.MapGrpcService<IngestService>();
            app.MapGrpcService<FindingsService>();
        }

        app.MapGrpcHealthChecksService();
        app.MapOperations(node);

        // Security: admin service and the startup line saying how calls are authenticated.
        app.UseCertExportGridSecurity();
        return app;
    }

    private static void AddGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new EventXmlParser(new ParserLimits
        {
            MaxEventChars = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestOptions>>().Value.MaxEventChars,
            MaxDepth = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<IngestOptions>>().Value.MaxXmlDepth,
        }));
        builder.Services.AddSingleton<ProtoEventMapper>();
        builder.Services.AddSingleton<NodeMetrics>();
        builder.Services.AddSingleton<BatchProcessor>();
        builder.Services.AddSingleton<FindingGrains>();
        builder.Services.AddSingleton<GrainCallCoalescer>();
        builder.Services.AddSingleton<IngestAdmission>();
        builder.Services.AddSingleton<FindingsQuery>();
        builder.Services.AddSingleton<FindingsBroadcaster>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FindingsBroadcaster>());
    }
}
