using System.Diagnostics.Metrics;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using AdminClient = CertExportGrid.Contracts.V1.Admin.AdminClient;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>One node with a key per role, shared by the role x RPC matrix.</summary>
public sealed class RoleNodeFixture : IAsyncLifetime
{
    public TestKey Collector { get; } = TestKey.Create("collector-01", ["ingest"]);
    public TestKey Reader { get; } = TestKey.Create("soc-tool", ["read"]);
    public TestKey Operator { get; } = TestKey.Create("operator", ["admin"]);

    public NodeFactory Factory { get; private set; } = null!;

    public string? SecretOf(string who) => who switch
    {
        "ingest" => Collector.Secret,
        "read" => Reader.Secret,
        "admin" => Operator.Secret,
        "unknown-key" => "cxg_not-a-configured-key",
        _ => null,
    };

    public Task InitializeAsync()
    {
        Factory = new NodeFactory(SecurityTestSupport.WithKeys([Collector, Reader, Operator]));
        _ = Factory.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>Every role against every RPC, over real gRPC: allowed, PERMISSION_DENIED or UNAUTHENTICATED.</summary>
public sealed class RoleAuthorizationTests(RoleNodeFixture node) : IClassFixture<RoleNodeFixture>
{
    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var who in new[] { "ingest", "read", "admin", "unknown-key", "none" })
        {
            foreach (var rpc in Rpcs.Keys)
            {
                data.Add(who, rpc);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Call_ByRole_AllowedOnlyForItsServices(string who, string rpc)
    {
        using var channel = node.Factory.CreateChannel(node.SecretOf(who));

        var status = await CallAsync(channel, rpc);

        var expected = (who, rpc) switch
        {
            (_, "Health.Check") => StatusCode.OK,
            ("unknown-key" or "none", _) => StatusCode.Unauthenticated,
            ("ingest", _) when rpc.StartsWith("Ingest.", StringComparison.Ordinal) => StatusCode.OK,
            ("read", _) when rpc.StartsWith("Findings.", StringComparison.Ordinal) => StatusCode.OK,
            ("admin", _) when rpc.StartsWith("Admin.", StringComparison.Ordinal) => StatusCode.OK,
            _ => StatusCode.PermissionDenied,
        };
        Assert.Equal(expected, status.StatusCode);
        if (expected == StatusCode.PermissionDenied)
        {
            Assert.Contains("needs the '", status.Detail, StringComparison.Ordinal);
            Assert.Contains(who switch { "ingest" => "collector-01", "read" => "soc-tool", _ => "operator" }, status.Detail, StringComparison.Ordinal);
        }
        else if (expected == StatusCode.Unauthenticated)
        {
            Assert.Contains(who == "none" ? "no credentials" : "API key is not valid", status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AuthorizationHeader_ApiKeyScheme_Accepted_OtherSchemeRefusedClearly()
    {
        using var good = node.Factory.CreateChannel(node.Reader.Secret, useAuthorizationHeader: true);
        Assert.Equal(StatusCode.OK, (await CallAsync(good, "Findings.ListFindings")).StatusCode);

        using var bearer = GrpcChannel.ForAddress(node.Factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = node.Factory.Server.CreateHandler() });
        var error = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(bearer)
            .ListFindingsAsync(new ListFindingsRequest(), new Metadata { { "authorization", "Bearer " + node.Reader.Secret } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("ApiKey scheme", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlankApiKeyHeader_RefusedAsEmpty_NotTreatedAsNoCredentials()
    {
        using var channel = GrpcChannel.ForAddress(node.Factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = node.Factory.Server.CreateHandler() });
        var error = await Assert.ThrowsAsync<RpcException>(() => new FindingsClient(channel)
            .ListFindingsAsync(new ListFindingsRequest(), new Metadata { { "x-api-key", "   " } }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("x-api-key header is empty", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denials_AreCountedByStatus()
    {
        var counted = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "certexportgrid.security.denied_calls")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "status")
                {
                    lock (counted)
                    {
                        counted[(string)tag.Value!] = counted.GetValueOrDefault((string)tag.Value!) + value;
                    }
                }
            }
        });
        listener.Start();
        using var collector = node.Factory.CreateChannel(node.Collector.Secret);
        using var nobody = node.Factory.CreateChannel(null);

        await CallAsync(collector, "Findings.ListFindings");
        await CallAsync(nobody, "Findings.ListFindings");

        lock (counted)
        {
            Assert.True(counted.GetValueOrDefault("permission_denied") >= 1);
            Assert.True(counted.GetValueOrDefault("unauthenticated") >= 1);
        }
    }

    [Fact]
    public async Task GetConfig_ShowsIdentitiesAndRoles_NeverHashes()
    {
        using var channel = node.Factory.CreateChannel(node.Operator.Secret);

        var view = await new AdminClient(channel).GetConfigAsync(new GetConfigRequest());

        Assert.Equal("enforced", view.Mode);
        Assert.Equal(["collector-01", "soc-tool", "operator"], view.Identities.Select(identity => identity.Name));
        Assert.Equal(["ingest"], view.Identities[0].Roles);
        Assert.DoesNotContain(node.Collector.Sha256, view.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    private static readonly Dictionary<string, Func<GrpcChannel, Task>> Rpcs = new()
    {
        ["Ingest.StreamEvents"] = async channel => await IngestDriver.SendAsync(channel, [IngestDriver.Batch("b", [new EventXml { RecordId = 1 }.Render()])]),
        ["Findings.ListFindings"] = async channel => await new FindingsClient(channel).ListFindingsAsync(new ListFindingsRequest()),
        ["Findings.GetFinding"] = async channel => await new FindingsClient(channel).GetFindingAsync(new GetFindingRequest { Dest = "no-such-host", Subject = "no-such-subject" }),
        ["Findings.Subscribe"] = async channel =>
        {
            using var call = new FindingsClient(channel).Subscribe(new SubscribeRequest { IncludeSnapshot = true });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        },
        ["Admin.AddSuppression"] = async channel => await new AdminClient(channel).AddSuppressionAsync(new AddSuppressionRequest
        {
            Rule = new SuppressionRule { Dest = new FieldMatch { Kind = MatchKind.Exact, Pattern = "role-matrix-host-that-never-exports" } },
        }),
        ["Admin.ListSuppressions"] = async channel => await new AdminClient(channel).ListSuppressionsAsync(new ListSuppressionsRequest()),
        ["Admin.RemoveSuppression"] = async channel => await new AdminClient(channel).RemoveSuppressionAsync(new RemoveSuppressionRequest { Id = "s-999999" }),
        ["Admin.GetConfig"] = async channel => await new AdminClient(channel).GetConfigAsync(new GetConfigRequest()),
        ["Health.Check"] = async channel => await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest()),
    };

    /// <summary>The call's status; NOT_FOUND from an allowed lookup of something absent counts as allowed.</summary>
    private static async Task<Status> CallAsync(GrpcChannel channel, string rpc)
    {
        try
        {
            await Rpcs[rpc](channel);
            return Status.DefaultSuccess;
        }
        catch (RpcException exception) when (exception.StatusCode == StatusCode.NotFound)
        {
            return Status.DefaultSuccess;
        }
        catch (RpcException exception)
        {
            return exception.Status;
        }
    }
}
