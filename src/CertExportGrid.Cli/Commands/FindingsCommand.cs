using System.CommandLine;
using CertExportGrid.Cli.Output;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace CertExportGrid.Cli.Commands;

/// <summary><c>findings --server URL [--format table|json|splunk] [--dest D] [--subject S] [--include-suppressed]</c>: the current findings.</summary>
internal static class FindingsCommand
{
    private const uint PageSize = 1000;

    public static Command Create(Option<string> server)
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "table (people), json (JSON Lines), splunk (the search's own table, tab-separated).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "splunk");
        var dests = CommonOptions.Dests();
        var subjects = CommonOptions.Subjects();
        var includeSuppressed = CommonOptions.IncludeSuppressed();

        var command = new Command("findings", "List the current findings, one per (dest, subject).") { format, dests, subjects, includeSuppressed };
        command.SetAction((parse, ct) =>
        {
            var url = parse.GetValue(server)!;
            var error = parse.InvocationConfiguration.Error;
            return CommonOptions.WithClientsAsync(url, error, c => new Findings.FindingsClient(c), async servers =>
            {
                var filter = CommonOptions.Filter(parse.GetValue(dests), parse.GetValue(subjects));
                var selected = parse.GetValue(format)!;
                var withSuppressed = parse.GetValue(includeSuppressed);
                try
                {
                    var (_, (findings, rows)) = await CommonOptions.FirstAnsweringAsync(
                        servers, client => FetchAsync(client, filter, selected == "splunk", ct, withSuppressed), error, ct);
                    await WriteAsync(selected, findings, rows, withSuppressed, parse.InvocationConfiguration.Output);
                    return ExitCodes.Ok;
                }
                catch (RpcException ex) when (!ct.IsCancellationRequested)
                {
                    await error.WriteLineAsync(CommonOptions.DescribeFailure("findings", ex.Data["server"] as string ?? (servers.Count == 1 ? url : servers[^1].Name), ex.Status));
                    return ExitCodes.ServerFailure;
                }
            });
        });
        return command;
    }

    internal static async Task<List<Finding>> ListAllAsync(
        Findings.FindingsClient client, FindingFilter filter, CancellationToken ct, bool includeSuppressed = false)
    {
        var all = new List<Finding>();
        var token = "";
        do
        {
            var request = new ListFindingsRequest { Filter = filter, PageSize = PageSize, PageToken = token, IncludeSuppressed = includeSuppressed };
            var page = await client.ListFindingsAsync(request, deadline: DateTime.UtcNow + CommonOptions.UnaryDeadline, cancellationToken: ct);
            all.AddRange(page.Findings);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    /// <summary>Everything to print, from one server: the sorted findings and, for splunk, every finding's rows.</summary>
    internal static async Task<(List<Finding> Findings, List<SplunkRow> Rows)> FetchAsync(
        Findings.FindingsClient client, FindingFilter filter, bool withRows, CancellationToken ct, bool includeSuppressed = false)
    {
        var findings = FindingFormatter.Sorted(await ListAllAsync(client, filter, ct, includeSuppressed));
        var rows = new List<SplunkRow>();
        if (withRows)
        {
            foreach (var f in findings)
            {
                var request = new GetFindingRequest { Dest = f.Dest, Subject = f.Subject };
                var detail = await client.GetFindingAsync(request, deadline: DateTime.UtcNow + CommonOptions.UnaryDeadline, cancellationToken: ct);
                rows.AddRange(detail.Rows);
            }
        }

        return (findings, rows);
    }

    private static async Task WriteAsync(string format, List<Finding> findings, List<SplunkRow> rows, bool withSuppressed, TextWriter output)
    {
        switch (format)
        {
            case "json":
                foreach (var f in findings)
                    await output.WriteLineAsync(FindingFormatter.ToJsonLine(f));
                break;
            case "splunk":
                foreach (var line in FindingFormatter.ToSplunkLines(rows))
                    await output.WriteLineAsync(line);
                break;
            default:
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
                if (!console.Profile.Out.IsTerminal)
                    console.Profile.Width = 240; // redirected: do not wrap long subjects at 80 columns
                console.Write(FindingFormatter.ToTable(findings, withSuppressed));
                console.WriteLine($"{findings.Count} finding(s)");
                break;
        }
    }
}
