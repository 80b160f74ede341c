using System.CommandLine;
using System.Globalization;
using CertExportGrid.Cli.Output;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>suppressions list|add|remove</c>: the operators' view of the Admin service's suppression rules (the
/// search's filter macro). Every call needs the <c>admin</c> role; the server's refusal
/// (PERMISSION_DENIED, NOT_FOUND, INVALID_ARGUMENT for a bad pattern) is exit 3 with its message.
/// </summary>
internal static class SuppressionsCommand
{
    public static Command Create(Option<string> server)
    {
        var command = new Command("suppressions", "Suppression rules (the search's filter macro): list, add, remove. Needs the admin role.");
        command.Subcommands.Add(List(server));
        command.Subcommands.Add(Add(server));
        command.Subcommands.Add(Remove(server));
        return command;
    }

    private static Option<string> Format()
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "table (people) or json (JSON Lines).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json");
        return format;
    }

    private static Command List(Option<string> server)
    {
        var format = Format();
        var audit = new Option<int>("--audit")
        {
            Description = "Also show this many of the most recent rule changes (who, when, what), oldest first; at most 1000. Default 0: none.",
            HelpName = "N",
            DefaultValueFactory = _ => 0,
        };
        audit.Validators.Add(r => CommonOptions.RequireRange(r, audit, 0, 1000));
        var command = new Command("list", "The rules in force (and, with --audit N, the latest changes).") { format, audit };
        command.SetAction((parse, ct) => RunAsync(parse, server, ct, (servers, output, error) =>
            ListAsync(servers, parse.GetValue(audit), parse.GetValue(format) == "json", output, error, ct)));
        return command;
    }

    private static Command Add(Option<string> server)
    {
        var format = Format();
        Option<string?> Pattern(string name, string what) => new(name)
        {
            Description = $"Suppress rows whose {what} matches PATTERN (see --match).",
            HelpName = "PATTERN",
        };
        var dest = Pattern("--dest", "dest (System/Computer)");
        var subject = Pattern("--subject", "subject (the last SubjectName)");
        var process = Pattern("--process", "ProcessName");
        var account = Pattern("--account", "AccountName");
        var match = new Option<string>("--match", "-m")
        {
            Description = "How every pattern of this rule is compared: exact (whole value, ignoring case), glob (* and ?, ignoring case) or regex (.NET, non-backtracking, case-sensitive unless (?i), matches anywhere: anchor with ^...$).",
            DefaultValueFactory = _ => "exact",
        };
        match.AcceptOnlyFromAmong("exact", "glob", "regex");
        var reason = new Option<string?>("--reason")
        {
            Description = "Why the rule exists (shown in listings and the audit log).",
            HelpName = "TEXT",
        };
        var command = new Command("add", "Add a rule: a Splunk row is suppressed when every field the rule sets matches (at least one field).")
        {
            dest, subject, process, account, match, reason, format,
        };
        command.SetAction(async (parse, ct) =>
        {
            var kind = KindOf(parse.GetValue(match)!);
            var rule = new SuppressionRule { Comment = parse.GetValue(reason) ?? "" };
            var fields = new (Option<string?> Option, Action<FieldMatch> Set)[]
            {
                (dest, m => rule.Dest = m), (subject, m => rule.Subject = m), (process, m => rule.Process = m), (account, m => rule.Account = m),
            };
            foreach (var (option, set) in fields)
            {
                if (parse.GetValue(option) is not { } pattern)
                    continue;
                if (pattern.Length == 0)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {option.Name} needs a non-empty pattern.");
                    return ExitCodes.Usage;
                }

                set(new FieldMatch { Kind = kind, Pattern = pattern });
            }

            if (rule.Dest is null && rule.Subject is null && rule.Process is null && rule.Account is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: suppressions add needs at least one of --dest, --subject, --process, --account.");
                return ExitCodes.Usage;
            }

            return await RunAsync(parse, server, ct, (servers, output, error) =>
                AddAsync(servers, rule, parse.GetValue(format) == "json", output, error, ct));
        });
        return command;
    }

    private static Command Remove(Option<string> server)
    {
        var format = Format();
        var id = new Argument<string>("ID") { Description = "The rule's id as list shows it, e.g. s-3." };
        var command = new Command("remove", "Remove a rule by id (exit 3 with NOT_FOUND when no rule has it).") { id, format };
        command.SetAction(async (parse, ct) =>
        {
            var ruleId = parse.GetValue(id)!.Trim();
            if (ruleId.Length == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: suppressions remove needs a rule id, e.g. s-3.");
                return ExitCodes.Usage;
            }

            return await RunAsync(parse, server, ct, (servers, output, error) =>
                RemoveAsync(servers, ruleId, parse.GetValue(format) == "json", output, error, ct));
        });
        return command;
    }

    public static MatchKind KindOf(string name) => name switch
    {
        "glob" => MatchKind.Glob,
        "regex" => MatchKind.Regex,
        _ => MatchKind.Exact,
    };

    /// <summary>Opens the channels of --server and runs <paramref name="body"/> on Admin clients (exit 1 on a bad URL).</summary>
    private static Task<int> RunAsync(
        ParseResult parse, Option<string> server, CancellationToken ct,
        Func<IReadOnlyList<(string Name, Admin.AdminClient Client)>, TextWriter, TextWriter, Task<int>> body)
    {
        var error = parse.InvocationConfiguration.Error;
        return CommonOptions.WithClientsAsync(
            parse.GetValue(server)!, error, c => new Admin.AdminClient(c), servers => body(servers, parse.InvocationConfiguration.Output, error));
    }

    /// <summary>Lists the rules (and <paramref name="auditLimit"/> audit entries when above 0) from the first server that answers.</summary>
    internal static Task<int> ListAsync(
        IReadOnlyList<(string Name, Admin.AdminClient Client)> servers, int auditLimit, bool json, TextWriter output, TextWriter error, CancellationToken ct) =>
        CallAsync("suppressions list", servers, changes: false, output, error, ct,
            // audit_limit 0 means the server's default (100): ask for 1 when none is wanted and print none.
            client => client.ListSuppressionsAsync(new ListSuppressionsRequest { AuditLimit = (uint)Math.Max(1, auditLimit) }, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
            async response =>
            {
                var audit = auditLimit > 0 ? response.Audit.TakeLast(auditLimit).ToList() : [];
                if (json)
                {
                    foreach (var rule in response.Rules)
                        await output.WriteLineAsync(SuppressionFormatter.ToJsonLine(rule));
                    foreach (var entry in audit)
                        await output.WriteLineAsync(SuppressionFormatter.ToJsonLine(entry));
                    return;
                }

                var console = Console(output);
                console.Write(SuppressionFormatter.ToTable(response.Rules));
                console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{response.Rules.Count} rule(s), version {response.Version}"));
                if (auditLimit > 0)
                {
                    console.Write(SuppressionFormatter.ToAuditTable(audit));
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{audit.Count} change(s), oldest first"));
                }
            });

    /// <summary>Adds <paramref name="rule"/>; prints the stored rule (with its id).</summary>
    internal static Task<int> AddAsync(
        IReadOnlyList<(string Name, Admin.AdminClient Client)> servers, SuppressionRule rule, bool json, TextWriter output, TextWriter error, CancellationToken ct) =>
        CallAsync("suppressions add", servers, changes: true, output, error, ct,
            client => client.AddSuppressionAsync(new AddSuppressionRequest { Rule = rule }, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
            stored => WriteOneAsync(stored, json, $"added {TerminalText.Escape(stored.Id)}; it takes effect within about a second", output));

    /// <summary>Removes the rule <paramref name="id"/>; prints the removed rule.</summary>
    internal static Task<int> RemoveAsync(
        IReadOnlyList<(string Name, Admin.AdminClient Client)> servers, string id, bool json, TextWriter output, TextWriter error, CancellationToken ct) =>
        CallAsync("suppressions remove", servers, changes: true, output, error, ct,
            client => client.RemoveSuppressionAsync(new RemoveSuppressionRequest { Id = id }, deadline: Deadline(), cancellationToken: ct).ResponseAsync,
            response => WriteOneAsync(response.Removed ?? new SuppressionRule { Id = id }, json, $"removed {TerminalText.Escape(id)}", output));

    /// <summary>
    /// One call on the first server that answers, then <paramref name="write"/>; a failure status is one line
    /// on <paramref name="error"/> and exit 3. Calls that change something (<paramref name="changes"/>) move to
    /// the next server only on UNAVAILABLE, so a rule is never added twice because a reply was lost.
    /// </summary>
    private static async Task<int> CallAsync<T>(
        string what,
        IReadOnlyList<(string Name, Admin.AdminClient Client)> servers,
        bool changes,
        TextWriter output,
        TextWriter error,
        CancellationToken ct,
        Func<Admin.AdminClient, Task<T>> call,
        Func<T, Task> write)
    {
        try
        {
            var (_, result) = await CommonOptions.FirstAnsweringAsync(servers, call, error, ct,
                changes ? static code => code == StatusCode.Unavailable : null);
            await write(result);
            await output.FlushAsync(ct);
            return ExitCodes.Ok;
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            var name = ex.Data["server"] as string ?? servers[^1].Name;
            await error.WriteLineAsync(CommonOptions.DescribeFailure(what, name, ex.Status));
            return ExitCodes.ServerFailure;
        }
    }

    private static async Task WriteOneAsync(SuppressionRule rule, bool json, string summary, TextWriter output)
    {
        if (json)
        {
            await output.WriteLineAsync(SuppressionFormatter.ToJsonLine(rule));
            return;
        }

        var console = Console(output);
        console.Write(SuppressionFormatter.ToTable([rule]));
        console.WriteLine(summary);
    }

    private static IAnsiConsole Console(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!console.Profile.Out.IsTerminal)
            console.Profile.Width = 240; // redirected: do not wrap long patterns at 80 columns
        return console;
    }

    private static DateTime Deadline() => DateTime.UtcNow + CommonOptions.UnaryDeadline;
}
