using System.CommandLine;
using System.Globalization;
using CertExportGrid.Cli.Delivery;
using CertExportGrid.Cli.Output;
using CertExportGrid.Contracts.V1;
using Grpc.Core;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>watch --server URL [--format table|json] [--dest D] [--subject S] [--snapshot] [--include-suppressed] [--state FILE]</c>: live
/// updates until Ctrl+C. When the subscription drops (server restart, UNAVAILABLE) it reconnects with
/// backoff and resumes from the last position it received, so no update is missed silently.
/// </summary>
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
        var state = new Option<string?>("--state")
        {
            Description = "File keeping the last position received; a restarted watch resumes from it. Default: none (a restart starts afresh).",
            HelpName = "FILE",
        };
        var maxAttempts = CommonOptions.MaxAttempts();
        var maxBackoff = CommonOptions.MaxBackoff();
        var dests = CommonOptions.Dests();
        var subjects = CommonOptions.Subjects();
        var includeSuppressed = CommonOptions.IncludeSuppressed();

        var command = new Command("watch", "Print finding updates as they happen, until Ctrl+C; reconnects and resumes when the server goes away.")
        {
            format, dests, subjects, snapshot, includeSuppressed, state, maxAttempts, maxBackoff,
        };
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(server)!;
            var error = parse.InvocationConfiguration.Error;
            var statePath = parse.GetValue(state);
            if (statePath is not null && !CommonOptions.UsableStateFile(statePath, "--state", error))
                return ExitCodes.Usage;
            using var channels = CommonOptions.OpenChannels(url, error);
            if (channels is null)
                return ExitCodes.Usage;
            var request = new SubscribeRequest
            {
                Filter = CommonOptions.Filter(parse.GetValue(dests), parse.GetValue(subjects)),
                IncludeSnapshot = parse.GetValue(snapshot),
                IncludeSuppressed = parse.GetValue(includeSuppressed),
            };
            var json = parse.GetValue(format) == "json";
            WatchState memory;
            try
            {
                memory = WatchState.Load(statePath);
            }
            catch (WatchStateFileException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.Usage;
            }

            var policy = CommonOptions.Reconnect(parse, maxAttempts, maxBackoff);
            // Writes a position that arrived just after the previous write once a second has passed, so a
            // burst followed by silence is on disk within about a second even if no update follows.
            using var stopFlusher = new CancellationTokenSource();
            var flusher = memory.RunFlusherAsync(Task.Delay, error, stopFlusher.Token);
            try
            {
                await FollowAsync(channels.Clients(c => new Findings.FindingsClient(c)), request, json, memory, policy, Task.Delay, parse.InvocationConfiguration.Output, error, ct);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ct.IsCancellationRequested && ex is OperationCanceledException or RpcException)
            {
                return ExitCodes.Ok; // Ctrl+C is the normal way to stop watching.
            }
            catch (WatchFailedException ex)
            {
                await error.WriteLineAsync(CommonOptions.DescribeFailure("watch", ex.Endpoint ?? url, ex.Status, ex.Attempts));
                return ExitCodes.ServerFailure;
            }
            finally
            {
                await stopFlusher.CancelAsync();
                await flusher;
                memory.Save(error);
            }
        });
        return command;
    }

    /// <summary>
    /// Subscribes and prints until cancelled, reconnecting after a retryable failure or an ended stream
    /// (resuming from the last position, else asking again for what <paramref name="request"/> asked).
    /// </summary>
    /// <exception cref="WatchFailedException">A final status, or the attempts ran out.</exception>
    internal static Task FollowAsync(
        Findings.FindingsClient client,
        SubscribeRequest request,
        bool json,
        WatchState state,
        ReconnectPolicy policy,
        Func<TimeSpan, CancellationToken, Task> delay,
        TextWriter output,
        TextWriter error,
        CancellationToken ct) =>
        FollowAsync([("server", client)], request, json, state, policy, delay, output, error, ct);

    /// <summary>
    /// As above with several gateways: subscribes to the first, and every reconnect goes to the next one in
    /// turn (a position from another gateway comes back as ResumeExpired and a snapshot, so nothing is missed).
    /// </summary>
    internal static async Task FollowAsync(
        IReadOnlyList<(string Name, Findings.FindingsClient Client)> servers,
        SubscribeRequest request,
        bool json,
        WatchState state,
        ReconnectPolicy policy,
        Func<TimeSpan, CancellationToken, Task> delay,
        TextWriter output,
        TextWriter error,
        CancellationToken ct)
    {
        var failures = 0;
        var current = 0;
        while (true)
        {
            var (name, client) = servers[current];
            var attempt = request.Clone();
            if (state.Position is { } position)
                attempt.ResumeFrom = position; // an expired one is fine: the server says so and sends a snapshot
            else if (failures > 0)
                attempt.IncludeSnapshot = true; // no position yet: only a snapshot shows what changed while we were away
            Status status;
            var received = false;
            try
            {
                received = await WatchAsync(client, attempt, json, output, error, ct, state);
                status = new Status(StatusCode.Unavailable, "the server ended the subscription");
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                status = ex.Status;
                received = ex.Data["received"] is true;
            }

            var named = servers.Count > 1 ? name : null;
            if (StreamFailures.Classify(status, null).Action != FailureAction.Reconnect)
                throw new WatchFailedException(status, 0, named);
            failures = received ? 1 : failures + 1;
            if (failures >= policy.MaxAttempts)
                throw new WatchFailedException(status, failures, named);
            current = (current + 1) % servers.Count; // a dead gateway: the next one takes over
            var wait = policy.Delay(failures, Random.Shared.NextDouble());
            var from = state.Position is { } p ? $"position {TerminalText.Escape(p)}" : "a fresh snapshot";
            var at = servers.Count > 1 ? $" at {name}" : "";
            var to = servers.Count > 1 ? $" on {servers[current].Name}" : "";
            await error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warning: watch: subscription{at} lost ({status.StatusCode}: {TerminalText.Escape(status.Detail)}); resuming from {from}{to} in {wait.TotalSeconds:0.0} s (attempt {failures + 1} of {policy.MaxAttempts})"));
            await delay(wait, ct);
        }
    }

    /// <summary>Prints every response until the server ends the stream (returns) or it fails (throws).</summary>
    /// <returns>Whether anything was received (a failure thrown after that carries <c>Data["received"] = true</c>).</returns>
    internal static async Task<bool> WatchAsync(
        Findings.FindingsClient client, SubscribeRequest request, bool json, TextWriter output, TextWriter error, CancellationToken ct, WatchState? state = null)
    {
        var received = false;
        try
        {
            using var call = client.Subscribe(request, cancellationToken: ct);
            await foreach (var response in call.ResponseStream.ReadAllAsync(ct))
            {
                received = true;
                var line = Render(response, json, out var toError);
                if (line is not null)
                {
                    await (toError ? error : output).WriteLineAsync(line);
                    await output.FlushAsync(ct);
                }

                if (response.Position.Length > 0)
                    state?.Advance(response.Position);
            }
        }
        catch (RpcException ex) when (received)
        {
            ex.Data["received"] = true;
            throw;
        }

        return received;
    }

    internal static string? Render(SubscribeResponse response, bool json, out bool toError)
    {
        toError = false;
        var position = response.Position.Length > 0 ? response.Position : null;
        switch (response.KindCase)
        {
            case SubscribeResponse.KindOneofCase.Finding:
                return json
                    ? FindingFormatter.ToJsonLine(response.Finding, type: "finding", position, withPosition: true)
                    : FindingFormatter.ToWatchLine(response.Finding, DateTime.UtcNow);
            case SubscribeResponse.KindOneofCase.SnapshotComplete:
                return json
                    ? FindingFormatter.SnapshotCompleteJson(response.SnapshotComplete, position)
                    : $"-- snapshot complete: {response.SnapshotComplete.Count} finding(s); live updates follow --";
            case SubscribeResponse.KindOneofCase.Gap:
                toError = !json;
                return json
                    ? FindingFormatter.GapJson(response.Gap)
                    : $"!! gap: {response.Gap.Dropped} update(s) dropped ({TerminalText.Escape(response.Gap.Reason)}); a fresh snapshot follows";
            case SubscribeResponse.KindOneofCase.ResumeExpired:
                toError = !json;
                return json
                    ? FindingFormatter.ResumeExpiredJson(response.ResumeExpired)
                    : $"!! resume expired: position {TerminalText.Escape(response.ResumeExpired.Requested)} is no longer available ({TerminalText.Escape(response.ResumeExpired.Reason)}); a fresh snapshot follows";
            default:
                return null; // a kind added to the contract later: nothing to show yet
        }
    }
}

/// <summary>watch stopped for good: a final status, or the reconnect attempts ran out (<see cref="Attempts"/> &gt; 0).</summary>
internal sealed class WatchFailedException(Status status, int attempts, string? endpoint = null) : Exception($"watch failed: {status.StatusCode}: {status.Detail}")
{
    /// <summary>The server of the last attempt when several were given; null otherwise.</summary>
    public string? Endpoint { get; } = endpoint;

    public Status Status { get; } = status;

    public int Attempts { get; } = attempts;
}
