using System.CommandLine;
using Grpc.Core;
using Grpc.Health.V1;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>status --server URL [--wait SECONDS]</c>: asks grpc.health.v1 whether the server is ready
/// (its cluster answers). With --wait, keeps asking until ready or the time is up; scripts use it
/// to wait for a server they just started.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(Option<string> server)
    {
        var wait = new Option<double>("--wait", "-w")
        {
            Description = "Keep asking for up to this many seconds (default 0: ask once).",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("status", "Check that the server is up and ready (exit 0), or say why not (exit 3).") { wait };
        command.SetAction((parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            return CommonOptions.WithClientsAsync(parse.GetValue(server)!, error, c => new Health.HealthClient(c), async servers =>
            {
                var deadline = DateTime.UtcNow.AddSeconds(Math.Max(0, parse.GetValue(wait)));
                while (true)
                {
                    // The first server that says it is serving wins; otherwise each one's reason.
                    var problems = new List<string>();
                    foreach (var (name, health) in servers)
                    {
                        try
                        {
                            var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
                            if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                            {
                                await parse.InvocationConfiguration.Output.WriteLineAsync($"{name}: serving");
                                return ExitCodes.Ok;
                            }

                            problems.Add($"{name}: not ready ({reply.Status})");
                        }
                        catch (RpcException ex) when (!ct.IsCancellationRequested)
                        {
                            problems.Add(CommonOptions.DescribeFailure("status", name, ex.Status));
                        }
                    }

                    if (DateTime.UtcNow >= deadline)
                    {
                        foreach (var problem in problems)
                            await error.WriteLineAsync(problem);
                        return ExitCodes.ServerFailure;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                }
            });
        });
        return command;
    }
}
