using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace CertExportGrid.Node.Hosting;

/// <summary>
/// Checks made before anything starts, so a mistake stops the process at boot with the reason
/// instead of surfacing later as failed ingest.
/// </summary>
public static class StartupChecks
{
    /// <summary>Data annotations of the options and of their nested sections.</summary>
    public static void Validate(NodeOptions node)
    {
        foreach (var (section, value) in new (string, object)[] { (NodeOptions.Section, node), ($"{NodeOptions.Section}:Cluster", node.Cluster) })
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
            {
                throw new InvalidOperationException($"Invalid configuration in {section}: {string.Join("; ", results.Select(result => result.ErrorMessage))}");
            }
        }
    }

    /// <summary>The state folder must exist (or be creatable) and be writable.</summary>
    public static void EnsureWritableDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The data folder '{Path.GetFullPath(directory)}' (CertExportGrid:DataDirectory / --data) cannot be used: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// The Orleans ports must be free: a second node on the same ports would otherwise start and
    /// silently share them with the first.
    /// </summary>
    public static void EnsurePortsFree(IPAddress address, params (string Name, int Port)[] ports) =>
        EnsurePortsFree(address, "choose other ports with --CertExportGrid:Cluster:SiloPort / GatewayPort", reuseAddress: false, ports);

    /// <summary>
    /// The gRPC listen addresses must be free too: Kestrel would find out only after the silo had
    /// started, and the silo's shutdown then buries Kestrel's one-line reason under a stack trace.
    /// Addresses that are not an IP literal or localhost are left to Kestrel.
    /// </summary>
    public static void EnsureListenAddressesFree(IEnumerable<string> urls)
    {
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port <= 0)
            {
                continue;
            }

            var address = uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var literal) ? literal
                : null;
            if (address is not null)
            {
                EnsurePortsFree(address, "choose another address with --urls", reuseAddress: true, ($"gRPC endpoint {url}", uri.Port));
            }
        }
    }

    /// <param name="reuseAddress">
    /// SO_REUSEADDR on the probe: on Linux the bind then fails only if a socket is *listening* there,
    /// so two nodes starting at once (or in-process test hosts, which never listen) cannot trip
    /// over each other's probes; Kestrel itself binds that way.
    /// </param>
    private static void EnsurePortsFree(IPAddress address, string howToChange, bool reuseAddress, params (string Name, int Port)[] ports)
    {
        foreach (var (name, port) in ports)
        {
            try
            {
                using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (reuseAddress)
                {
                    probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                }

                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException exception) when (exception.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new InvalidOperationException(
                    $"Port {port} ({name}) on {address} is already in use, probably by another CertExportGrid node. Stop it, or {howToChange}.");
            }
        }
    }
}
