using System.Diagnostics.Metrics;
using CertExportGrid.Detection.Events;

namespace CertExportGrid.Node.Diagnostics;

/// <summary>The gateway's instruments (meter "CertExportGrid.Node").</summary>
public sealed class NodeMetrics
{
    public const string MeterName = "CertExportGrid.Node";

    private readonly Counter<long> _events;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _ackLatency;
    private readonly Counter<long> _updatesDelivered;
    private readonly Counter<long> _updatesDropped;
    private readonly UpDownCounter<long> _subscribers;
    private readonly Counter<long> _streamsRefused;

    public NodeMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _events = meter.CreateCounter<long>("certexportgrid.ingest.events", "{event}", "Events received, by outcome (accepted, duplicate, ignored, rejected, unavailable) and reason.");
        _batches = meter.CreateCounter<long>("certexportgrid.ingest.batches", "{batch}", "Batches acknowledged.");
        _ackLatency = meter.CreateHistogram<double>("certexportgrid.ingest.ack_latency", "ms", "Time from receiving a batch to its acknowledgement.");
        _updatesDelivered = meter.CreateCounter<long>("certexportgrid.findings.updates_delivered", "{update}", "Finding updates sent to subscribers.");
        _updatesDropped = meter.CreateCounter<long>("certexportgrid.findings.updates_dropped", "{update}", "Finding updates a subscriber missed because it fell further behind than the update log holds (each loss is one gap signal, then a snapshot).");
        _streamsRefused = meter.CreateCounter<long>("certexportgrid.ingest.streams_refused", "{stream}", "Ingest streams refused because the gateway had too many open.");
        _subscribers = meter.CreateUpDownCounter<long>("certexportgrid.findings.subscribers", "{subscriber}", "Connected findings subscribers.");

        // Every outcome series exists from the start (at 0), so alerts never see "no data".
        foreach (var outcome in new[] { "accepted", "duplicate", "ignored", "rejected", "unavailable" })
        {
            _events.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        _streamsRefused.Add(0);
        _updatesDropped.Add(0);
    }

    public void EventsAccepted(int applied, int duplicates)
    {
        _events.Add(applied, new KeyValuePair<string, object?>("outcome", "accepted"));
        if (duplicates > 0)
        {
            _events.Add(duplicates, new KeyValuePair<string, object?>("outcome", "duplicate"));
        }
    }

    public void EventIgnored(IgnoreReason reason) =>
        _events.Add(1, new("outcome", "ignored"), new("reason", reason.ToString()));

    public void EventRejected(RejectionCode code) =>
        _events.Add(1, new("outcome", "rejected"), new("reason", code.ToString()));

    public void EventsUnavailable(int count) =>
        _events.Add(count, new KeyValuePair<string, object?>("outcome", "unavailable"));

    public void BatchAcknowledged(TimeSpan elapsed)
    {
        _batches.Add(1);
        _ackLatency.Record(elapsed.TotalMilliseconds);
    }

    public void StreamRefused() => _streamsRefused.Add(1);

    public void UpdateDelivered() => _updatesDelivered.Add(1);

    public void UpdatesDropped(long count) => _updatesDropped.Add(count);

    public void SubscriberConnected() => _subscribers.Add(1);

    public void SubscriberDisconnected() => _subscribers.Add(-1);
}
