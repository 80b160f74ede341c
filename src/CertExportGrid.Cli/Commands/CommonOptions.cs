using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CertExportGrid.Cli.Delivery;
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

    /// <summary><c>--max-attempts N</c>: failed connection attempts in a row before giving up (exit 3).</summary>
    public static Option<int> MaxAttempts()
    {
        var option = new Option<int>("--max-attempts")
        {
            Description = "Failed attempts in a row (no progress in between) before giving up with exit 3; 1 = never retry.",
            HelpName = "N",
            DefaultValueFactory = _ => new ReconnectPolicy().MaxAttempts,
        };
        option.Validators.Add(r => RequireRange(r, option, 1, 10_000));
        return option;
    }

    /// <summary><c>--max-backoff 10s</c>: the longest wait between two reconnect attempts.</summary>
    public static Option<TimeSpan> MaxBackoff() =>
        Duration("--max-backoff", "Longest wait between reconnect attempts (exponential backoff with jitter up to this).", new ReconnectPolicy().MaxBackoff);

    /// <summary>A duration option written as 250ms, 10s, 1.5s or 2m.</summary>
    public static Option<TimeSpan> Duration(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = $"{description} Default {Format(defaultValue)}.",
        HelpName = "DURATION",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (TryParseDuration(text, out var value))
                return value;
            result.AddError($"{name} must be a duration like 500ms, 10s or 2m, got '{text}'.");
            return default;
        },
    };

    public static ReconnectPolicy Reconnect(ParseResult parse, Option<int> maxAttempts, Option<TimeSpan> maxBackoff)
    {
        var policy = new ReconnectPolicy { MaxAttempts = parse.GetValue(maxAttempts), MaxBackoff = parse.GetValue(maxBackoff) };
        return policy.InitialBackoff > policy.MaxBackoff ? policy with { InitialBackoff = policy.MaxBackoff } : policy;
    }

    /// <summary>Parses 250ms, 10s, 1.5s, 2m (a positive number and a unit; no unit is refused as ambiguous).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1000.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60_000.0)
            : ("", 0);
        if (unit == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || amount < 0 || amount * unit > TimeSpan.FromDays(1).TotalMilliseconds)
            return false;
        value = TimeSpan.FromMilliseconds(amount * unit);
        return true;
    }

    private static string Format(TimeSpan value) =>
        value.TotalMilliseconds % 1000 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{value.TotalMilliseconds}ms");

    public static void RequireRange(OptionResult result, Option<int> option, int min, int max)
    {
        // Read the token, not the converted value: a non-number already has its own parse error, and
        // asking for the value then would throw instead of reporting it.
        if (result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && (value < min || value > max))
        {
            result.AddError($"{option.Name} must be between {min} and {max}, got {value}.");
        }
    }

    /// <summary>Checks that the folder of a file the command will write exists; on failure writes why.</summary>
    public static bool ParentExists(string path, string option, TextWriter error)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is null || Directory.Exists(folder))
            return true;
        error.WriteLine($"error: {option}: the folder {folder} does not exist.");
        return false;
    }

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
            // --api-key / --api-key-file / $CERTEXPORTGRID_API_KEY, --client-cert, --server-ca (ClientCredentials.cs).
            HttpHandler = ClientCredentials.Current?.CreateHandler(),
        });
    }

    /// <summary>One line naming the server and the gRPC status; never a stack trace.</summary>
    public static string DescribeFailure(string what, string server, Status status) => $"error: {what}: {Reason(server, status)}";

    /// <summary>The give-up line after the reconnect attempts ran out; 0 attempts means the status itself was final.</summary>
    public static string DescribeFailure(string what, string server, Status status, int attempts) =>
        attempts == 0
            ? DescribeFailure(what, server, status)
            : string.Create(CultureInfo.InvariantCulture, $"error: {what}: gave up after {attempts} failed attempt(s) in a row: {Reason(server, status)}");

    private static string Reason(string server, Status status)
    {
        var reach = status.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            ? $"cannot reach the server at {server}"
            : $"the server at {server} failed the call";
        var detail = string.IsNullOrEmpty(status.Detail) ? "" : $": {status.Detail}";
        return $"{reach} ({status.StatusCode}{detail})";
    }
}
