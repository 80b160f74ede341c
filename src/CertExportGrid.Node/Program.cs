using System.Net.Sockets;
using CertExportGrid.Node.Hosting;
using Microsoft.Extensions.Options;

// The one server binary. Role "all" (default) runs the silo and the gRPC gateway in one process.
try
{
    // Content root = the binary's folder, so appsettings.json applies whatever the working directory.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddCertExportGrid(args);
    var app = builder.Build();
    app.MapCertExportGrid();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or OptionsValidationException or IOException or SocketException)
{
    // Configuration and environment mistakes (bad value, port in use, unusable folder, missing
    // file) end the process with one clear line, not a stack trace.
    var message = exception switch
    {
        OptionsValidationException invalid => OptionsErrorText.Format(invalid),
        InvalidOperationException conversion => OptionsErrorText.Format(conversion),
        _ => exception.Message,
    };
    await Console.Error.WriteLineAsync($"certexportgrid-node: {message}");
    return 2;
}

/// <summary>Entry point marker for WebApplicationFactory in the tests.</summary>
public partial class Program;
