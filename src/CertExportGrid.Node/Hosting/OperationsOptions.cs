namespace CertExportGrid.Node.Hosting;

/// <summary>Operations endpoints (configuration section CertExportGrid:Operations).</summary>
public sealed class OperationsOptions
{
    public const string Section = "CertExportGrid:Operations";

    /// <summary>
    /// Where Prometheus scrapes the metrics, e.g. "http://127.0.0.1:9464/metrics" (default: off). A
    /// separate HTTP/1.1 listener, since the gRPC endpoints are HTTP/2 only. Loopback unless
    /// <see cref="AllowRemoteMetrics"/> is set.
    /// </summary>
    public string? PrometheusEndpoint { get; set; }

    /// <summary>
    /// Lets the metrics listener bind beyond loopback (for a scraper on a private network). Metrics
    /// carry counts only: no host, subject or credential appears in them.
    /// </summary>
    public bool AllowRemoteMetrics { get; set; }

    /// <summary>
    /// Adds the Orleans Dashboard to silos, under /dashboard (default false). It is an HTTP/1.1 web
    /// UI: give it its own Kestrel endpoint with Protocols=Http1 (see docs/scale-out.md).
    /// </summary>
    public bool Dashboard { get; set; }
}
