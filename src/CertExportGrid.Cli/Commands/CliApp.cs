using System.CommandLine;
using System.CommandLine.Invocation;

namespace CertExportGrid.Cli.Commands;

/// <summary>The command tree: replay and tail (collector), findings and watch (SOC views), suppressions (operators).</summary>
internal static class CliApp
{
    /// <summary>
    /// Parses the command line. A usage error prints its message and a pointer to --help, not the
    /// whole help text (which buried the one line that says what was wrong).
    /// </summary>
    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        var parse = Build().Parse(args);
        if (parse.Action is ParseErrorAction onError)
        {
            onError.ShowHelp = false;
            onError.ShowTypoCorrections = true;
        }

        return parse;
    }

    public static RootCommand Build()
    {
        var server = CommonOptions.Server();
        var root = new RootCommand("CertExportGrid: replay or tail Windows certificate-export events (1007) and read the findings.");
        root.Options.Add(server);
        root.Subcommands.Add(ReplayCommand.Create(server));
        root.Subcommands.Add(TailCommand.Create(server));
        root.Subcommands.Add(FindingsCommand.Create(server));
        root.Subcommands.Add(WatchCommand.Create(server));
        root.Subcommands.Add(StatusCommand.Create(server));
        root.Subcommands.Add(SuppressionsCommand.Create(server));
        root.Subcommands.Add(KeygenCommand.Create());
        ClientCredentials.AddTo(root);
        return root;
    }
}
