using System.CommandLine;
using CertExportGrid.Cli.Commands;

// Ctrl+C / SIGTERM cancel the command's token; tail then waits for outstanding acks (up to 10 s) and
// writes its checkpoint, so give it more than System.CommandLine's default 2 s before the process ends.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TailCommand.DrainTimeout + TimeSpan.FromSeconds(5) };
var parse = CliApp.Parse(args);
var exit = await parse.InvokeAsync(configuration);
if (parse.Errors.Count > 0)
{
    var command = parse.CommandResult.Command is RootCommand ? "" : $" {parse.CommandResult.Command.Name}";
    await Console.Error.WriteLineAsync($"Run 'certexportgrid{command} --help' for the options.");
}

return exit;
