using System.Text.Json;
using CertExportGrid.Contracts.V1;
using CertExportGrid.Node.Tests.Infrastructure;
using Grpc.Core;
using FindingsClient = CertExportGrid.Contracts.V1.Findings.FindingsClient;

namespace CertExportGrid.Node.Tests.Security;

/// <summary>Keys live in a watched security file: editing it rotates keys without a restart.</summary>
public sealed class KeyRotationTests
{
    [Fact]
    public async Task SecurityFile_Rewritten_NewKeyWorksOldKeyRefused_NoRestart_BrokenEditIgnored()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("security.json");
        var old = TestKey.Create("soc-tool-2024", ["read"]);
        var next = TestKey.Create("soc-tool-2025", ["read"]);
        Write(file, old);
        await using var factory = new NodeFactory(new Dictionary<string, string?> { ["CertExportGrid:Security:File"] = file });
        using var oldChannel = factory.CreateChannel(old.Secret);
        using var nextChannel = factory.CreateChannel(next.Secret);
        Assert.Equal(StatusCode.OK, await StatusOfListAsync(oldChannel));
        Assert.Equal(StatusCode.Unauthenticated, await StatusOfListAsync(nextChannel));

        // Overlap during rotation: both keys, then only the new one.
        Write(file, old, next);
        await EventuallyAsync(async () => await StatusOfListAsync(nextChannel) == StatusCode.OK);
        Assert.Equal(StatusCode.OK, await StatusOfListAsync(oldChannel));
        Write(file, next);
        await EventuallyAsync(async () => await StatusOfListAsync(oldChannel) == StatusCode.Unauthenticated);
        Assert.Equal(StatusCode.OK, await StatusOfListAsync(nextChannel));

        // A broken edit (bad hash) is logged and ignored: the previous keys stay in force.
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { CertExportGrid = new { Security = new { ApiKeys = new[] { new { Name = "x", Sha256 = "nothex", Roles = new[] { "read" } } } } } }));
        // Waits for the node to say it read and refused the edit (event 1406), so the check below
        // runs after the reload, not merely before it.
        await Eventually.TrueAsync(() => Task.FromResult(factory.Logs.Contains(1406)), TimeSpan.FromSeconds(30),
            () => $"no 'change ignored' log; logged: {string.Join(" | ", factory.Logs.Entries.Select(entry => entry.Message))}");
        Assert.Equal(StatusCode.OK, await StatusOfListAsync(nextChannel));
    }

    private static void Write(string file, params TestKey[] keys) =>
        File.WriteAllText(file, JsonSerializer.Serialize(new { CertExportGrid = new { Security = new { ApiKeys = keys.Select(key => key.Json()).ToArray() } } }));

    private static async Task<StatusCode> StatusOfListAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        try
        {
            await new FindingsClient(channel).ListFindingsAsync(new ListFindingsRequest());
            return StatusCode.OK;
        }
        catch (RpcException exception)
        {
            return exception.StatusCode;
        }
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition) =>
        Eventually.TrueAsync(condition, TimeSpan.FromSeconds(20), () => "the security file change was not picked up", TimeSpan.FromMilliseconds(100));
}
