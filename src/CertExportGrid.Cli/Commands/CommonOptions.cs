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
        Description = $"Server URL (http:// for h2c), or several gateways separated by commas (replay, tail and watch move to the next on each reconnect; findings, status and suppressions use the first that answers). Default: ${ServerEnvironmentVariable}, else {DefaultServer}.",
        HelpName = "URL[,URL...]",
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

    /// <summary><c>--include-suppressed</c>: also findings hidden by a suppression rule (they carry <c>suppressed = true</c>).</summary>
    public static Option<bool> IncludeSuppressed() => new("--include-suppressed")
    {
        Description = "Also show findings hidden by a suppression rule (marked suppressed).",
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
    public static DurationOption MaxBackoff() =>
        Duration("--max-backoff", "Longest wait between reconnect attempts (exponential backoff with jitter up to this).", new ReconnectPolicy().MaxBackoff, minimum: TimeSpan.FromMilliseconds(100));

    /// <summary>A duration option written as 250ms, 10s, 1.5s or 2m; read it with <see cref="DurationOption.ValueIn"/>.</summary>
    /// <param name="minimum">The shortest value accepted (a shorter one is a usage error): a zero backoff or poll spins.</param>
    public static DurationOption Duration(string name, string description, TimeSpan defaultValue, TimeSpan minimum) => new(name, defaultValue)
    {
        // The default is in the description, as typed: with a DefaultValueFactory, help would also
        // print it the way TimeSpan does ([default: 00:00:10]).
        Description = $"{description} Default {Format(defaultValue)}.",
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (!TryParseDuration(text, out var value))
                result.AddError($"{name} must be a duration like 500ms, 10s or 2m (at most a day), got '{text}'.");
            else if (value < minimum)
                result.AddError($"{name} must be at least {Format(minimum)}, got '{text}'.");
            return value;
        },
    };

    /// <summary>A size option written in bytes or with a binary unit: 4194304, 512KiB, 4MiB (K, KB, M, MB mean the same).</summary>
    public static Option<long> ByteSize(string name, string description, long defaultValue, long min, long max) => new(name)
    {
        Description = $"{description} Default {FormatBytes(defaultValue)}.",
        HelpName = "BYTES",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (TryParseBytes(text, out var value) && value >= min && value <= max)
                return value;
            result.AddError($"{name} must be a size between {FormatBytes(min)} and {FormatBytes(max)} like 4MiB, 512KiB or 1048576, got '{text}'.");
            return default;
        },
    };

    /// <summary>Parses 1048576, 512KiB, 4MiB, 1GiB (units are binary; K/KB/M/MB/G/GB are read the same way; case ignored).</summary>
    public static bool TryParseBytes(string text, out long value)
    {
        value = 0;
        text = text.Trim();
        var end = 0;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
            end++;
        var multiplier = text[end..].ToUpperInvariant() switch
        {
            "" or "B" => 1L,
            "K" or "KB" or "KIB" => 1024L,
            "M" or "MB" or "MIB" => 1024L * 1024,
            "G" or "GB" or "GIB" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (end == 0 || multiplier == 0 || !long.TryParse(text.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number > long.MaxValue / multiplier)
            return false;
        value = number * multiplier;
        return true;
    }

    public static string FormatBytes(long value) =>
        value % (1024 * 1024) == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value / (1024 * 1024)}MiB")
        : value % 1024 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value / 1024}KiB")
        : value.ToString(CultureInfo.InvariantCulture);

    public static ReconnectPolicy Reconnect(ParseResult parse, Option<int> maxAttempts, DurationOption maxBackoff)
    {
        var policy = new ReconnectPolicy { MaxAttempts = parse.GetValue(maxAttempts), MaxBackoff = maxBackoff.ValueIn(parse) };
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
        // double.TryParse takes "NaN" and "Infinity" whatever the styles: only finite amounts are durations.
        if (unit == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            || !double.IsFinite(amount) || amount < 0 || amount * unit > TimeSpan.FromDays(1).TotalMilliseconds)
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
    /// <summary>Checks a --checkpoint or --state path before anything is sent (see <see cref="Checkpoints.StateFilePath"/>); writes the reason when unusable.</summary>
    public static bool UsableStateFile(string path, string option, TextWriter error)
    {
        if (Checkpoints.StateFilePath.Problem(path) is not { } problem)
            return true;
        error.WriteLine($"error: {option} {Output.TerminalText.Escape(path)}: {problem}");
        return false;
    }

    public static FindingFilter Filter(string[]? dests, string[]? subjects)
    {
        var filter = new FindingFilter();
        filter.Dests.AddRange(dests ?? []);
        filter.Subjects.AddRange(subjects ?? []);
        return filter;
    }

    /// <summary>
    /// The URLs of <c>--server</c> (or $CERTEXPORTGRID_SERVER): one, or several separated by commas (spaces
    /// around them and empty entries are ignored). On a bad URL writes the reason and returns null.
    /// </summary>
    public static IReadOnlyList<Uri>? ParseServers(string? server, TextWriter error)
    {
        var urls = new List<Uri>();
        foreach (var part in (server ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                error.WriteLine($"error: --server must be an absolute http:// or https:// URL (or several separated by commas), got '{part}'.");
                return null;
            }

            urls.Add(uri);
        }

        if (urls.Count == 0)
            error.WriteLine($"error: --server must be an absolute http:// or https:// URL, got '{server}'.");
        return urls.Count == 0 ? null : urls;
    }

    /// <summary>Checks the URLs of <c>--server</c> and opens a channel to each; on a bad URL writes the reason and returns null.</summary>
    public static ServerChannels? OpenChannels(string? server, TextWriter error) =>
        ParseServers(server, error) is { } urls ? new ServerChannels([.. urls.Select(u => (u.OriginalString, Open(u)))]) : null;

    /// <summary>
    /// Opens the channels of <c>--server</c> and runs <paramref name="body"/> on a client per server (named by
    /// its URL); on a bad URL writes the reason and returns <see cref="ExitCodes.Usage"/>.
    /// </summary>
    public static async Task<int> WithClientsAsync<T>(
        string? server, TextWriter error, Func<GrpcChannel, T> create, Func<IReadOnlyList<(string Name, T Client)>, Task<int>> body)
    {
        using var channels = OpenChannels(server, error);
        if (channels is null)
            return ExitCodes.Usage;
        return await body(channels.Clients(create));
    }

    /// <summary>
    /// Runs <paramref name="call"/> against each server in turn until one answers: a server that cannot be
    /// reached (UNAVAILABLE, DEADLINE_EXCEEDED, a reset connection: INTERNAL) is skipped with a notice; any
    /// other answer, a failure status included, is final. When none answers, the last failure is thrown.
    /// A thrown failure carries the name of the server that gave it in <c>Data["server"]</c>.
    /// <paramref name="unreachable"/> narrows which statuses count as "not reached": calls that change
    /// something skip a server only on UNAVAILABLE, so a change whose reply was lost (a reset connection,
    /// a deadline) is not made a second time on the next server.
    /// </summary>
    public static async Task<(string Server, T Result)> FirstAnsweringAsync<TClient, T>(
        IReadOnlyList<(string Name, TClient Client)> servers, Func<TClient, Task<T>> call, TextWriter notices, CancellationToken ct,
        Func<StatusCode, bool>? unreachable = null)
    {
        unreachable ??= static code => code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal;
        for (var i = 0; ; i++)
        {
            var (name, client) = servers[i];
            try
            {
                return (name, await call(client));
            }
            catch (RpcException ex)
            {
                if (i + 1 >= servers.Count || ct.IsCancellationRequested || !unreachable(ex.StatusCode))
                {
                    ex.Data["server"] = name; // which one failed, for the error line
                    throw;
                }

                await notices.WriteLineAsync($"warning: {name} did not answer ({ex.StatusCode}: {Output.TerminalText.Escape(ex.Status.Detail)}); trying {servers[i + 1].Name}");
            }
        }
    }

    private static GrpcChannel Open(Uri uri) =>
        GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            // A page of 1000 findings with their names and details can pass the 4 MB default.
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            // --api-key / --api-key-file / $CERTEXPORTGRID_API_KEY, --client-cert, --server-ca (ClientCredentials.cs).
            HttpHandler = ClientCredentials.Current?.CreateHandler(),
        });

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
        var detail = string.IsNullOrEmpty(status.Detail) ? "" : $": {Output.TerminalText.Escape(status.Detail)}";
        return $"{reach} ({status.StatusCode}{detail})";
    }
}

/// <summary>The channels to the servers of <c>--server</c>, in the order given.</summary>
internal sealed class ServerChannels(IReadOnlyList<(string Url, GrpcChannel Channel)> channels) : IDisposable
{
    public IReadOnlyList<(string Url, GrpcChannel Channel)> All => channels;

    /// <summary>A client per server, named by its URL as given.</summary>
    public IReadOnlyList<(string Name, T Client)> Clients<T>(Func<GrpcChannel, T> create) =>
        [.. channels.Select(c => (c.Url, create(c.Channel)))];

    public IReadOnlyList<IngestEndpoint> Ingest() =>
        [.. channels.Select(c => new IngestEndpoint(c.Url, new Ingest.IngestClient(c.Channel)))];

    public void Dispose()
    {
        foreach (var (_, channel) in channels)
            channel.Dispose();
    }
}

/// <summary>A duration option that knows its default without showing it in help as a TimeSpan.</summary>
internal sealed class DurationOption(string name, TimeSpan defaultValue) : Option<TimeSpan>(name)
{
    public TimeSpan DefaultValue { get; } = defaultValue;

    /// <summary>The value given on the command line, else the default.</summary>
    public TimeSpan ValueIn(ParseResult parse) => parse.GetResult(this) is null ? DefaultValue : parse.GetValue(this);
}
