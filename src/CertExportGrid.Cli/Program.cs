using System.CommandLine;
using CertExportGrid.Cli.Commands;

// Ctrl+C / SIGTERM cancel the command's token; tail then waits for outstanding acks (up to 10 s) and
// writes its checkpoint, so give it more than System.CommandLine's default 2 s before the process ends.
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = TailCommand.DrainTimeout + TimeSpan.FromSeconds(5) };
return await CliApp.Build().Parse(args).InvokeAsync(configuration);
