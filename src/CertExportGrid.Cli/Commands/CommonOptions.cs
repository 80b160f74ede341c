using System.CommandLine;
using CertExportGrid.Contracts.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace CertExportGrid.Cli.Commands;

/// <summary>Options shared by the commands, and the plumbing every command needs (channel, errors).</summary>
internal static class CommonOptions
{
    public const string DefaultServer = "http://127.0.0.1:50051";
    public const string ServerEnvironmentVariable = "CERTEXPORTGRID_SERVER";

    /// <summary>Unary calls give up after this long (a black-holed address would otherwise hang).</summary>
    public static readonly TimeSpan UnaryDeadline = TimeSpan.FromSeconds(30);

    public static Option<string> Server() => new("--server", "-s")
    {
        Description = $"Server URL (http:// for h2c). Default: ${ServerEnvironmentVariable}, else {DefaultServer}.",
        HelpName = "URL",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ServerEnvironmentVariable) is { Length: > 0 } env
            ? env
            : DefaultServer,
    };

    public static Option<string[]> Dests() => new("--dest")
    {
        Description = "Only this dest (exact, repeatable).",
        HelpName = "DEST",
        DefaultValueFactory = _ => [],
    };

    public static Option<string[]> Subjects() => new("--subject")
    {
        Description = "Only this subject (exact, repeatable).",
        HelpName = "SUBJECT",
        DefaultValueFactory = _ => [],
    };

    public static FindingFilter Filter(string[]? dests, string[]? subjects)
    {
        var filter = new FindingFilter();
        filter.Dests.AddRange(dests ?? []);
        filter.Subjects.AddRange(subjects ?? []);
        return filter;
    }

    /// <summary>Checks the URL and opens a channel; on a bad URL writes the reason and returns null.</summary>
    public static GrpcChannel? OpenChannel(string? server, TextWriter error)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error.WriteLine($"error: --server must be an absolute http:// or https:// URL, got '{server}'.");
            return null;
        }

        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            // A page of 1000 findings with their names and details can pass the 4 MB default.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        });
    }

    /// <summary>One line naming the server and the gRPC status; never a stack trace.</summary>
    public static string DescribeFailure(string what, string server, Status status)
    {
        var reach = status.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            ? $"cannot reach the server at {server}"
            : $"the server at {server} failed the call";
        var detail = string.IsNullOrEmpty(status.Detail) ? "" : $": {status.Detail}";
        return $"error: {what}: {reach} ({status.StatusCode}{detail})";
    }
}
