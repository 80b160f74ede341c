using System.CommandLine;

namespace CertExportGrid.Cli.Commands;

/// <summary>The command tree: replay and tail (collector), findings and watch (SOC views), suppressions (operators).</summary>
internal static class CliApp
{
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
