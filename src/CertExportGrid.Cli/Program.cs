using CertExportGrid.Cli.Commands;

return await CliApp.Build().Parse(args).InvokeAsync();
