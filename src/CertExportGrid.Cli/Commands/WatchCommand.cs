using System.CommandLine;
using CertExportGrid.Cli.Output;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Commands;

/// <summary><c>watch --server URL [--format table|json] [--dest D] [--subject S] [--snapshot]</c>: live updates until Ctrl+C.</summary>
internal static class WatchCommand
{
    public static Command Create(Option<string> server)
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "table (a line per update, for people) or json (JSON Lines).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json");
        var snapshot = new Option<bool>("--snapshot") { Description = "Start with every current finding, then follow live updates." };
        var dests = CommonOptions.Dests();
        var subjects = CommonOptions.Subjects();

        var command = new Command("watch", "Print finding updates as they happen, until Ctrl+C.") { format, dests, subjects, snapshot };
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(server)!;
            var error = parse.InvocationConfiguration.Error;
            using var channel = CommonOptions.OpenChannel(url, error);
            if (channel is null)
                return ExitCodes.Usage;
            var request = new SubscribeRequest
            {
                Filter = CommonOptions.Filter(parse.GetValue(dests), parse.GetValue(subjects)),
                IncludeSnapshot = parse.GetValue(snapshot),
            };
            var json = parse.GetValue(format) == "json";
            try
            {
                await WatchAsync(new Findings.FindingsClient(channel), request, json, parse.InvocationConfiguration.Output, error, ct);
                await error.WriteLineAsync($"error: watch: the server at {url} ended the subscription.");
                return ExitCodes.ServerFailure;
            }
            catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                return ExitCodes.Ok; // Ctrl+C is the normal way to stop watching.
            }
            catch (RpcException ex)
            {
                await error.WriteLineAsync(CommonOptions.DescribeFailure("watch", url, ex.Status));
                return ExitCodes.ServerFailure;
            }
        });
        return command;
    }

    /// <summary>Prints every response until the server ends the stream (returns) or it fails (throws).</summary>
    internal static async Task WatchAsync(
        Findings.FindingsClient client, SubscribeRequest request, bool json, TextWriter output, TextWriter error, CancellationToken ct)
    {
        using var call = client.Subscribe(request, cancellationToken: ct);
        await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
        {
            var line = Render(response, json, out var toError);
            if (line is null)
                continue;
            await (toError ? error : output).WriteLineAsync(line);
            await output.FlushAsync(ct);
        }
    }

    internal static string? Render(SubscribeResponse response, bool json, out bool toError)
    {
        toError = false;
        switch (response.KindCase)
        {
            case SubscribeResponse.KindOneofCase.Finding:
                return json
                    ? FindingFormatter.ToJsonLine(response.Finding, type: "finding")
                    : FindingFormatter.ToWatchLine(response.Finding, DateTime.UtcNow);
            case SubscribeResponse.KindOneofCase.SnapshotComplete:
                return json
                    ? FindingFormatter.SnapshotCompleteJson(response.SnapshotComplete)
                    : $"-- snapshot complete: {response.SnapshotComplete.Count} finding(s); live updates follow --";
            case SubscribeResponse.KindOneofCase.Gap:
                toError = !json;
                return json
                    ? FindingFormatter.GapJson(response.Gap)
                    : $"!! gap: {response.Gap.Dropped} update(s) dropped ({response.Gap.Reason}); a fresh snapshot follows";
            default:
                return null; // a kind added to the contract later: nothing to show yet
        }
    }
}
