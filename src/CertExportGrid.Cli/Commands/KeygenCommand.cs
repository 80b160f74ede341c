using System.CommandLine;
using System.Security.Cryptography;
using System.Text;

namespace CertExportGrid.Cli.Commands;

/// <summary>
/// <c>keygen --name NAME --role ROLE</c>: makes a random API key (256 bits) and prints it once,
/// with the SHA-256 the server stores and a configuration snippet. The server never sees the key
/// itself until a client presents it.
/// </summary>
internal static class KeygenCommand
{
    public static Command Create()
    {
        var name = new Option<string>("--name") { Description = "Identity of the key holder (e.g. collector-branch-01).", HelpName = "NAME", DefaultValueFactory = _ => "collector-01" };
        var roles = new Option<string[]>("--role") { Description = "ingest, read or admin (repeatable).", HelpName = "ROLE", DefaultValueFactory = _ => ["ingest"] };
        var command = new Command("keygen", "Generate an API key and the SHA-256 hash to configure on the server.") { name, roles };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var (key, hash) = Generate();
            var roleList = string.Join(", ", (parse.GetValue(roles) ?? []).Select(role => $"\"{role}\""));
            await output.WriteLineAsync($"key:    {key}");
            await output.WriteLineAsync($"sha256: {hash}");
            await output.WriteLineAsync("Give the key to the client (--api-key-file or $CERTEXPORTGRID_API_KEY); put only the hash in the server's configuration:");
            await output.WriteLineAsync($"{{ \"Name\": \"{parse.GetValue(name)}\", \"Roles\": [ {roleList} ], \"Sha256\": \"{hash}\" }}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A key ("cxg_" + 43 base64url characters) and the lowercase hex SHA-256 of its UTF-8 bytes.</summary>
    public static (string Key, string Sha256) Generate()
    {
        var key = "cxg_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (key, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))));
    }
}
