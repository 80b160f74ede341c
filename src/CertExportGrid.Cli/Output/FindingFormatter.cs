using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CertExportGrid.Contracts.V1;
using Spectre.Console;

namespace CertExportGrid.Cli.Output;

/// <summary>
/// Renders findings for people (Spectre table, one line per live update), for machines (JSON Lines with
/// stable camelCase names) and as the Splunk search's own table.
/// </summary>
internal static class FindingFormatter
{
    public static readonly string[] SplunkColumns = ["dest", "SubjectName", "UserData_Xml", "count", "firstTime", "lastTime"];

    // Subjects and XML are full of '<', '&' and non-ASCII names: keep them readable. The output is never
    // embedded in HTML, which is the only place the stricter default escaping matters.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sorts by (dest, subject) ordinally, the order the server promises and Splunk's BY clause shows.</summary>
    public static List<Finding> Sorted(IEnumerable<Finding> findings) =>
        [.. findings.OrderBy(f => f.Dest, StringComparer.Ordinal).ThenBy(f => f.Subject, StringComparer.Ordinal)];

    /// <summary>
    /// One JSON object on one line. <paramref name="type"/> (e.g. "finding") goes first when given;
    /// <paramref name="position"/> (watch) follows it, null when the update carried none.
    /// </summary>
    public static string ToJsonLine(Finding finding, string? type = null, string? position = null, bool withPosition = false)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return Json(w =>
        {
            if (type is not null)
                w.WriteString("type", type);
            if (withPosition)
                WritePosition(w, position);
            w.WriteString("dest", finding.Dest);
            w.WriteString("subject", finding.Subject);
            w.WriteNumber("count", finding.Count);
            WriteTime(w, "firstTime", finding.FirstTime);
            WriteTime(w, "lastTime", finding.LastTime);
            w.WriteString("firstTimeSplunk", finding.FirstTimeSplunk);
            w.WriteString("lastTimeSplunk", finding.LastTimeSplunk);
            w.WriteNumber("version", finding.Version);
            w.WriteNumber("rowCount", finding.RowCount);
            WriteStrings(w, "subjectNames", finding.SubjectNames);
            w.WriteString("riskMessage", finding.RiskMessage);
            WriteRule(w, finding.Rule);
            WriteExport(w, finding.LastExport);
            WriteStrings(w, "collectors", finding.Collectors);
            w.WriteString("lastCollector", finding.LastCollector);
            w.WriteBoolean("suppressed", finding.Suppressed);
            w.WriteNumber("suppressedCount", finding.SuppressedCount);
        });
    }

    public static string SnapshotCompleteJson(SnapshotComplete marker, string? position = null) =>
        Json(w =>
        {
            w.WriteString("type", "snapshotComplete");
            w.WriteNumber("count", marker.Count);
            WritePosition(w, position);
        });

    public static string ResumeExpiredJson(ResumeExpired expired) =>
        Json(w =>
        {
            w.WriteString("type", "resume_expired");
            w.WriteString("requested", expired.Requested);
            w.WriteString("reason", expired.Reason);
        });

    private static void WritePosition(Utf8JsonWriter w, string? position)
    {
        if (string.IsNullOrEmpty(position))
            w.WriteNull("position");
        else
            w.WriteString("position", position);
    }

    public static string GapJson(Gap gap) =>
        Json(w =>
        {
            w.WriteString("type", "gap");
            w.WriteNumber("dropped", gap.Dropped);
            w.WriteString("reason", gap.Reason);
        });

    /// <summary>
    /// The table people read: dest, subject, count, firstTime, lastTime (dest and subject escaped, see
    /// <see cref="TerminalText"/>); with <paramref name="withSuppressed"/> (findings --include-suppressed)
    /// also a <c>suppressed</c> column, "yes" for a finding hidden by a rule.
    /// </summary>
    public static Table ToTable(IEnumerable<Finding> findings, bool withSuppressed = false)
    {
        var table = new Table().AddColumns("dest", "subject", "count", "firstTime", "lastTime");
        if (withSuppressed)
            table.AddColumn("suppressed");
        table.Columns[2].RightAligned();
        foreach (var f in findings)
        {
            var cells = new List<Text>
            {
                new(TerminalText.Escape(f.Dest)),
                new(TerminalText.Escape(f.Subject)),
                new(f.Count.ToString(CultureInfo.InvariantCulture)),
                new(Timestamps.ToIso(f.FirstTime) ?? "-"),
                new(Timestamps.ToIso(f.LastTime) ?? "-"),
            };
            if (withSuppressed)
                cells.Add(new(f.Suppressed ? "yes" : ""));
            table.AddRow(cells);
        }

        return table;
    }

    /// <summary>
    /// One line per live update, for people watching: when it arrived, the key, count, span, version (dest
    /// and subject escaped, see <see cref="TerminalText"/>), and <c>suppressed</c> at the end for a finding
    /// hidden by a rule (only watch --include-suppressed receives those).
    /// </summary>
    public static string ToWatchLine(Finding f, DateTime receivedUtc) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{receivedUtc:yyyy-MM-dd'T'HH:mm:ss'Z'}  {TerminalText.Escape(f.Dest)}  {TerminalText.Escape(f.Subject)}  count={f.Count}  {Timestamps.ToIso(f.FirstTime) ?? "-"}..{Timestamps.ToIso(f.LastTime) ?? "-"}  v{f.Version}{(f.Suppressed ? "  suppressed" : "")}");

    /// <summary>The Splunk search's table as tab-separated text, header first.</summary>
    public static IEnumerable<string> ToSplunkLines(IEnumerable<SplunkRow> rows)
    {
        yield return string.Join('\t', SplunkColumns);
        var ordered = rows
            .OrderBy(r => r.Dest, StringComparer.Ordinal)
            .ThenBy(r => r.SubjectName, StringComparer.Ordinal)
            .ThenBy(r => r.UserDataXml, StringComparer.Ordinal);
        foreach (var r in ordered)
        {
            yield return string.Join('\t',
                Cell(r.Dest), Cell(r.SubjectName), Cell(r.UserDataXml),
                r.Count.ToString(CultureInfo.InvariantCulture), Cell(r.FirstTime), Cell(r.LastTime));
        }
    }

    // Tabs and line breaks would break the columns, and escape sequences would reach the terminal;
    // Windows does put raw control characters in names. Backslash is escaped too, so "\t" is unambiguous.
    private static string Cell(string value) => TerminalText.Escape(value);

    internal static void WriteTime(Utf8JsonWriter w, string name, Google.Protobuf.WellKnownTypes.Timestamp? value)
    {
        var text = Timestamps.ToIso(value);
        if (text is null)
            w.WriteNull(name);
        else
            w.WriteString(name, text);
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
            w.WriteStringValue(value);
        w.WriteEndArray();
    }

    private static void WriteRule(Utf8JsonWriter w, RuleInfo? rule)
    {
        if (rule is null)
        {
            w.WriteNull("rule");
            return;
        }

        w.WriteStartObject("rule");
        w.WriteString("id", rule.Id);
        w.WriteString("name", rule.Name);
        w.WriteNumber("version", rule.Version);
        WriteStrings(w, "mitreAttackIds", rule.MitreAttackIds);
        w.WriteNumber("riskScore", rule.RiskScore);
        w.WriteString("analyticStory", rule.AnalyticStory);
        w.WriteString("type", rule.Type);
        w.WriteEndObject();
    }

    private static void WriteExport(Utf8JsonWriter w, ExportDetails? export)
    {
        if (export is null)
        {
            w.WriteNull("lastExport");
            return;
        }

        w.WriteStartObject("lastExport");
        w.WriteString("processName", export.ProcessName);
        w.WriteString("accountName", export.AccountName);
        w.WriteString("thumbprint", export.Thumbprint);
        w.WriteString("channel", export.Channel);
        if (export.HasRecordId)
            w.WriteNumber("recordId", export.RecordId);
        else
            w.WriteNull("recordId");
        w.WriteString("userSid", export.UserSid);
        w.WriteString("context", export.Context);
        WriteTime(w, "timeCreated", export.TimeCreated);
        w.WriteEndObject();
    }

    internal static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
