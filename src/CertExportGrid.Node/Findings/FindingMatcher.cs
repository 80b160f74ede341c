using CertExportGrid.Contracts.V1;

namespace CertExportGrid.Node.Findings;

/// <summary>
/// A request's exact-match filter; empty lists match everything. Suppressed findings match only
/// when the request asked for them (<paramref name="includeSuppressed"/>).
/// </summary>
public sealed class FindingMatcher(FindingFilter? filter, bool includeSuppressed = false)
{
    public bool IncludeSuppressed { get; } = includeSuppressed;

    /// <summary>The filter and the suppression choice together.</summary>
    public bool Matches(Grains.FindingSnapshot finding) =>
        (IncludeSuppressed || !finding.Suppressed) && Matches(finding.Dest, finding.Subject);

    private readonly HashSet<string>? _dests = filter is { Dests.Count: > 0 } ? new(filter.Dests, StringComparer.Ordinal) : null;
    private readonly HashSet<string>? _subjects = filter is { Subjects.Count: > 0 } ? new(filter.Subjects, StringComparer.Ordinal) : null;

    public bool Matches(string dest, string subject) =>
        (_dests is null || _dests.Contains(dest)) && (_subjects is null || _subjects.Contains(subject));

    /// <summary>When both lists are given the keys are known without consulting the index.</summary>
    public IEnumerable<(string Dest, string Subject)>? ExactKeys =>
        _dests is null || _subjects is null ? null : _dests.SelectMany(dest => _subjects.Select(subject => (dest, subject)));
}
