using CertExportGrid.Contracts.V1;
using CertExportGrid.Grains;
using CertExportGrid.Grains.Suppression;
using CertExportGrid.Node.Security;
using Grpc.Core;

namespace CertExportGrid.Node.Suppression;

/// <summary>
/// The operators' endpoint: suppression rules (validated here, stored and audited by the rules
/// grain) and a view of the security configuration. Needs the admin role (checked by the
/// authorization interceptor); the caller's identity is the audit's "who".
/// </summary>
public sealed class AdminService(
    IGrainFactory grains,
    CallerAuthenticator authenticator,
    IngestRateLimiter rateLimiter,
    IServiceProvider services) : Admin.AdminBase
{
    private const int DefaultAuditLimit = 100;
    private const int MaxAuditLimit = 1_000;
    private const int MaxCommentLength = 1_024;

    public override async Task<SuppressionRule> AddSuppression(AddSuppressionRequest request, ServerCallContext context)
    {
        if (request.Rule is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "rule is required."));
        }

        if (request.Rule.Comment.Length > MaxCommentLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"rule.comment is longer than {MaxCommentLength} characters."));
        }

        var record = SuppressionMapper.ToRecord(request.Rule);
        if (!SuppressionRuleText.TryCompile(record, out _, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"rule: {error}. Kinds: EXACT, GLOB (* ?), REGEX (non-backtracking)."));
        }

        var stored = await Rules.Add(record, CallerAccessor.Get(context).Name);
        InvalidateLocalCache();
        return SuppressionMapper.ToProto(stored);
    }

    public override async Task<ListSuppressionsResponse> ListSuppressions(ListSuppressionsRequest request, ServerCallContext context)
    {
        var limit = request.AuditLimit == 0 ? DefaultAuditLimit : (int)Math.Min(request.AuditLimit, MaxAuditLimit);
        var listing = await Rules.List(limit);
        var response = new ListSuppressionsResponse { Version = (ulong)listing.Version };
        response.Rules.AddRange(listing.Rules.Select(SuppressionMapper.ToProto));
        response.Audit.AddRange(listing.Audit.Select(SuppressionMapper.ToProto));
        return response;
    }

    public override async Task<RemoveSuppressionResponse> RemoveSuppression(RemoveSuppressionRequest request, ServerCallContext context)
    {
        if (request.Id.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "id is required (as ListSuppressions shows it, e.g. 's-3')."));
        }

        var removed = await Rules.Remove(request.Id, CallerAccessor.Get(context).Name)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"No suppression rule has id '{request.Id}'."));
        InvalidateLocalCache();
        return new RemoveSuppressionResponse { Removed = SuppressionMapper.ToProto(removed) };
    }

    public override Task<ConfigView> GetConfig(GetConfigRequest request, ServerCallContext context)
    {
        var config = authenticator.Config;
        var limits = rateLimiter.Options;
        var view = new ConfigView
        {
            Mode = config.IsOpen ? "open" : "enforced",
            RateLimits = new RateLimitView
            {
                StreamEventsPerSecond = limits.StreamEventsPerSecond,
                StreamBurst = (uint)limits.StreamBurst,
                IdentityEventsPerSecond = limits.IdentityEventsPerSecond,
                IdentityBurst = (uint)limits.IdentityBurst,
                KeyEventsPerSecond = limits.KeyEventsPerSecond,
                KeyBurst = (uint)limits.KeyBurst,
            },
        };
        foreach (var (caller, match) in config.Identities)
        {
            var identity = new IdentityView
            {
                Name = caller.Name,
                Kind = caller.Kind == CallerKind.ApiKey ? "api-key" : "client-certificate",
                Match = match,
            };
            identity.Roles.AddRange(RoleNames.Of(caller.Roles));
            identity.Hosts.AddRange(caller.Hosts.Patterns);
            view.Identities.Add(identity);
        }

        return Task.FromResult(view);
    }

    private ISuppressionRulesGrain Rules => grains.GetGrain<ISuppressionRulesGrain>(0);

    /// <summary>Co-hosted silo: make the change visible at once rather than within a second.</summary>
    private void InvalidateLocalCache() => services.GetService<SuppressionRuleCache>()?.Invalidate();
}
