using CertExportGrid.Node.Hosting;

// The one server binary. Role "all" (default) runs the silo and the gRPC gateway in one process.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddCertExportGrid(args);
    var app = builder.Build();
    app.MapCertExportGrid();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // Configuration mistakes end the process with one clear line, not a stack trace.
    await Console.Error.WriteLineAsync($"certexportgrid-node: {exception.Message}");
    return 2;
}

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
