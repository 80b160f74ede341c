using System.Diagnostics.Metrics;
using CertExportGrid.Node.Diagnostics;

namespace CertExportGrid.Node.Security;

/// <summary>Security instruments, on the gateway's meter ("CertExportGrid.Node").</summary>
public sealed class SecurityMetrics
{
    private readonly Counter<long> _denied;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _hostDenied;
    private readonly Counter<long> _suppressed;

    public SecurityMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(NodeMetrics.MeterName);
        _denied = meter.CreateCounter<long>("certexportgrid.security.denied_calls", "{call}", "Calls refused, by status (unauthenticated, permission_denied) and service.");
        _rateLimited = meter.CreateCounter<long>("certexportgrid.ingest.rate_limited", "{event}", "Events rejected RATE_LIMITED, by limit (stream, identity, key).");
        _hostDenied = meter.CreateCounter<long>("certexportgrid.ingest.host_denied", "{event}", "Events rejected PERMISSION_DENIED_HOST (a collector speaking for a host it is not bound to).");
        _suppressed = meter.CreateCounter<long>("certexportgrid.findings.updates_suppressed", "{update}", "Finding updates not published to normal subscribers because a suppression rule covers the finding.");

        // Publish every series at 0 from the start, so an alert on them sees 0 rather than "no data".
        foreach (var limit in new[] { "stream", "identity", "key" })
        {
            _rateLimited.Add(0, new KeyValuePair<string, object?>("limit", limit));
        }

        _hostDenied.Add(0);
        _suppressed.Add(0);
    }

    public void Denied(string status, string service) => _denied.Add(1, new("status", status), new("service", service));

    public void RateLimited(int count, string limit) => _rateLimited.Add(count, new KeyValuePair<string, object?>("limit", limit));

    public void HostDenied(int count) => _hostDenied.Add(count);

    public void UpdateSuppressed() => _suppressed.Add(1);
}
