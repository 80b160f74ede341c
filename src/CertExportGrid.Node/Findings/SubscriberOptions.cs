using System.ComponentModel.DataAnnotations;

namespace CertExportGrid.Node.Findings;

/// <summary>Findings subscriber limits (configuration section CertExportGrid:Subscribers).</summary>
public sealed class SubscriberOptions
{
    public const string Section = "CertExportGrid:Subscribers";

    /// <summary>
    /// Updates buffered per subscriber (default 10,000). When a subscriber's buffer is full its
    /// pending updates are discarded, it receives a Gap message with the number dropped, then a
    /// fresh snapshot, then live updates again. Ingest and other subscribers never wait for it.
    /// </summary>
    [Range(16, 10_000_000)]
    public int BufferSize { get; set; } = 10_000;

    /// <summary>
    /// Recent updates each gateway keeps with their positions (default 100,000), so a subscriber
    /// that reconnects with resume_from gets exactly what it missed. Older positions are answered
    /// with ResumeExpired and a snapshot.
    /// </summary>
    [Range(16, 100_000_000)]
    public int ResumeLogSize { get; set; } = 100_000;
}
