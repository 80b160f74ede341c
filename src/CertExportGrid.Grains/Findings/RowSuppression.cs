using CertExportGrid.Detection.Suppression;

namespace CertExportGrid.Grains.Findings;

/// <summary>
/// Remembers, per activation, how many rows matched the rule set last evaluated, so a finding with
/// many rows is re-evaluated in full only when the rules change; otherwise only rows added since.
/// </summary>
internal sealed class RowSuppression
{
    private SuppressionSet? _evaluated;
    private int _rowsSeen;
    private bool _allMatched;

    public bool AllRowsMatch(FindingState state, SuppressionSet rules)
    {
        if (!ReferenceEquals(rules, _evaluated) || state.Rows.Count < _rowsSeen)
        {
            _evaluated = rules;
            _rowsSeen = 0;
            _allMatched = true;
        }

        if (_rowsSeen == state.Rows.Count)
        {
            return _allMatched;
        }

        // Dictionary enumeration order is insertion order while nothing is removed, and rows are
        // never removed, so the rows after _rowsSeen are exactly the new ones.
        var index = 0;
        foreach (var row in state.Rows.Values)
        {
            if (index++ < _rowsSeen || !_allMatched)
            {
                continue;
            }

            _allMatched = rules.Matches(new RowFields(state.Dest, state.Subject, row.Process, row.Account));
        }

        _rowsSeen = state.Rows.Count;
        return _allMatched;
    }
}
