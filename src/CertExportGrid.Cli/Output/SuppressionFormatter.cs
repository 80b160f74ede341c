using System.Globalization;
using CertExportGrid.Contracts.V1;
using Spectre.Console;

namespace CertExportGrid.Cli.Output;

/// <summary>
/// Renders suppression rules and their audit entries: Spectre tables for people (every server string
/// escaped, see <see cref="TerminalText"/>) and JSON Lines (exact values, camelCase names) for scripts.
/// </summary>
internal static class SuppressionFormatter
{
    public static readonly string[] RuleColumns = ["id", "dest", "subject", "process", "account", "comment", "createdBy", "createdAt"];

    /// <summary>The CLI's name of a match kind: exact, glob, regex; "unspecified" or the number for anything else.</summary>
    public static string KindName(MatchKind kind) => kind switch
    {
        MatchKind.Exact => "exact",
        MatchKind.Glob => "glob",
        MatchKind.Regex => "regex",
        MatchKind.Unspecified => "unspecified",
        _ => ((int)kind).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A table cell for one field test: <c>glob:WKS-*</c>; empty when the rule does not test that field.</summary>
    public static string Cell(FieldMatch? match) =>
        match is null ? "" : $"{KindName(match.Kind)}:{TerminalText.Escape(match.Pattern)}";

    public static Table ToTable(IEnumerable<SuppressionRule> rules)
    {
        var table = new Table().AddColumns(RuleColumns);
        foreach (var r in rules)
        {
            table.AddRow(
                new Text(TerminalText.Escape(r.Id)),
                new Text(Cell(r.Dest)),
                new Text(Cell(r.Subject)),
                new Text(Cell(r.Process)),
                new Text(Cell(r.Account)),
                new Text(TerminalText.Escape(r.Comment)),
                new Text(TerminalText.Escape(r.CreatedBy)),
                new Text(Timestamps.ToIso(r.CreatedAt) ?? "-"));
        }

        return table;
    }

    public static Table ToAuditTable(IEnumerable<AuditEntry> audit)
    {
        var table = new Table().AddColumns("at", "actor", "action", "ruleId", "detail");
        foreach (var a in audit)
        {
            table.AddRow(
                new Text(Timestamps.ToIso(a.At) ?? "-"),
                new Text(TerminalText.Escape(a.Actor)),
                new Text(TerminalText.Escape(a.Action)),
                new Text(TerminalText.Escape(a.RuleId)),
                new Text(TerminalText.Escape(a.Detail)));
        }

        return table;
    }

    /// <summary>
    /// <c>{"type":"rule","id":"s-3","dest":{"match":"glob","pattern":"WKS-*"},"subject":null,...,"comment":"...","createdBy":"alice","createdAt":"..."}</c>;
    /// a field the rule does not test is null.
    /// </summary>
    public static string ToJsonLine(SuppressionRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return FindingFormatter.Json(w =>
        {
            w.WriteString("type", "rule");
            w.WriteString("id", rule.Id);
            WriteMatch(w, "dest", rule.Dest);
            WriteMatch(w, "subject", rule.Subject);
            WriteMatch(w, "process", rule.Process);
            WriteMatch(w, "account", rule.Account);
            w.WriteString("comment", rule.Comment);
            w.WriteString("createdBy", rule.CreatedBy);
            FindingFormatter.WriteTime(w, "createdAt", rule.CreatedAt);
        });
    }

    /// <summary><c>{"type":"audit","at":"...","actor":"alice","action":"add","ruleId":"s-3","detail":"..."}</c>.</summary>
    public static string ToJsonLine(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return FindingFormatter.Json(w =>
        {
            w.WriteString("type", "audit");
            FindingFormatter.WriteTime(w, "at", entry.At);
            w.WriteString("actor", entry.Actor);
            w.WriteString("action", entry.Action);
            w.WriteString("ruleId", entry.RuleId);
            w.WriteString("detail", entry.Detail);
        });
    }

    private static void WriteMatch(System.Text.Json.Utf8JsonWriter w, string name, FieldMatch? match)
    {
        if (match is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        w.WriteString("match", KindName(match.Kind));
        w.WriteString("pattern", match.Pattern);
        w.WriteEndObject();
    }
}
