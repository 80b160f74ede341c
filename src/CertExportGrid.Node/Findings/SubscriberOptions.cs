using System.ComponentModel.DataAnnotations;

namespace CertExportGrid.Node.Findings;

/// <summary>Findings subscriber limits (configuration section CertExportGrid:Subscribers).</summary>
public sealed class SubscriberOptions
{
    public const string Section = "CertExportGrid:Subscribers";

    /// <summary>
    /// Live updates queued per subscriber (default 10,000). A subscriber that falls further behind
    /// than this reads on from the update log (see <see cref="ResumeLogSize"/>) until it has caught
    /// up; only one that falls further behind than the log holds gets a Gap message with the number
    /// lost, then a fresh snapshot. Ingest and other subscribers never wait for it.
    /// </summary>
    [Range(16, 10_000_000)]
    public int BufferSize { get; set; } = 10_000;

    /// <summary>
    /// Recent updates each gateway keeps with their positions (default 100,000). A subscriber that
    /// reconnects with resume_from, or falls behind its buffer, gets exactly what it missed from
    /// here; older positions are answered with ResumeExpired (or a Gap) and a snapshot.
    /// </summary>
    [Range(16, 100_000_000)]
    public int ResumeLogSize { get; set; } = 100_000;
}
