using CertExportGrid.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace CertExportGrid.Cli.Tests.Fakes;

/// <summary>An in-memory Admin service: a rule list with ids "s-N", an audit log, or a scripted failure for every call.</summary>
internal sealed class FakeAdminClient : Admin.AdminClient
{
    public static readonly Timestamp Now = new() { Seconds = 1715678102 };

    private int _nextId = 1;

    public List<SuppressionRule> Rules { get; } = [];

    public List<AuditEntry> Audit { get; } = [];

    public ulong Version { get; private set; }

    /// <summary>When set, every call fails with it (as a server refusing or unreachable would).</summary>
    public RpcException? Failure { get; init; }

    /// <summary>The caller identity recorded as created_by and actor.</summary>
    public string Caller { get; init; } = "alice";

    /// <summary>Every request received, in order.</summary>
    public List<Google.Protobuf.IMessage> Requests { get; } = [];

    public override AsyncUnaryCall<SuppressionRule> AddSuppressionAsync(AddSuppressionRequest request, CallOptions options)
    {
        Requests.Add(request.Clone());
        if (Failure is not null)
            return Failed<SuppressionRule>(Failure);
        var rule = request.Rule.Clone();
        rule.Id = $"s-{_nextId++}";
        rule.CreatedBy = Caller;
        rule.CreatedAt = Now;
        Rules.Add(rule);
        Log("add", rule.Id);
        return Unary(rule.Clone());
    }

    public override AsyncUnaryCall<ListSuppressionsResponse> ListSuppressionsAsync(ListSuppressionsRequest request, CallOptions options)
    {
        Requests.Add(request.Clone());
        if (Failure is not null)
            return Failed<ListSuppressionsResponse>(Failure);
        var limit = request.AuditLimit == 0 ? 100 : (int)request.AuditLimit;
        var response = new ListSuppressionsResponse { Version = Version };
        response.Rules.AddRange(Rules.Select(r => r.Clone()));
        response.Audit.AddRange(Audit.TakeLast(limit).Select(a => a.Clone()));
        return Unary(response);
    }

    public override AsyncUnaryCall<RemoveSuppressionResponse> RemoveSuppressionAsync(RemoveSuppressionRequest request, CallOptions options)
    {
        Requests.Add(request.Clone());
        if (Failure is not null)
            return Failed<RemoveSuppressionResponse>(Failure);
        var rule = Rules.Find(r => r.Id == request.Id);
        if (rule is null)
            return Failed<RemoveSuppressionResponse>(new RpcException(new Status(StatusCode.NotFound, $"No suppression rule has id '{request.Id}'.")));
        Rules.Remove(rule);
        Log("remove", rule.Id);
        return Unary(new RemoveSuppressionResponse { Removed = rule });
    }

    private void Log(string action, string id)
    {
        Version++;
        Audit.Add(new AuditEntry { At = Now, Actor = Caller, Action = action, RuleId = id, Detail = $"{action} {id}" });
    }

    private static AsyncUnaryCall<T> Unary<T>(T response) =>
        new(Task.FromResult(response), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });

    private static AsyncUnaryCall<T> Failed<T>(RpcException failure) =>
        new(Task.FromException<T>(failure), Task.FromResult(new Metadata()), () => failure.Status, () => [], () => { });
}
