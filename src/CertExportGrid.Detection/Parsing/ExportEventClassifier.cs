using System.Globalization;
using CertExportGrid.Detection.Events;

namespace CertExportGrid.Detection.Parsing;

/// <summary>
/// The search's filter stages applied to one event: source macro (channel), EventCode=1007,
/// and the stats BY fields (Computer, SubjectName, UserData_Xml) that must be present.
/// </summary>
/// <remarks>
/// Scope is decided before validity: an out-of-scope event with a broken time is Ignored, not
/// Rejected, because the detection never needed its time.
/// </remarks>
public static class ExportEventClassifier
{
    public const string SystemChannel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational";
    public const string UserChannel = "Microsoft-Windows-CertificateServicesClient-Lifecycle-User/Operational";

    private const string ExportEventId = "1007";
    private const int MaxQuotedChars = 64;

    public static Classification Classify(WinEvent winEvent)
    {
        ArgumentNullException.ThrowIfNull(winEvent);

        // The source macro compares the channel case-insensitively; nothing is trimmed.
        LifecycleChannel channel;
        if (string.Equals(winEvent.Channel, SystemChannel, StringComparison.OrdinalIgnoreCase))
        {
            channel = LifecycleChannel.System;
        }
        else if (string.Equals(winEvent.Channel, UserChannel, StringComparison.OrdinalIgnoreCase))
        {
            channel = LifecycleChannel.User;
        }
        else
        {
            return new Classification.Ignored(IgnoreReason.OtherChannel);
        }

        // Whole-value match: "10070" or "1007x" is another event.
        if (!winEvent.EventId.AsSpan().Trim().SequenceEqual(ExportEventId))
        {
            return new Classification.Ignored(IgnoreReason.OtherEventId);
        }

        // stats BY drops rows whose BY fields are missing or empty.
        if (string.IsNullOrEmpty(winEvent.Computer))
        {
            return new Classification.Ignored(IgnoreReason.NoComputer);
        }

        if (winEvent.UserDataXml is null)
        {
            return new Classification.Ignored(IgnoreReason.NoUserData);
        }

        var names = winEvent.SubjectNames;
        if (names.Count == 0 || names[^1].Length == 0)
        {
            return new Classification.Ignored(IgnoreReason.NoSubject);
        }

        if (ResolveTime(winEvent) is { } badTime)
        {
            return badTime;
        }

        if (!TryParseRecordId(winEvent.RecordId, out var recordId))
        {
            return new Classification.Rejected(RejectionCode.InvalidField,
                $"EventRecordID is not a non-negative integer: '{Quote(winEvent.RecordId)}'.");
        }

        return new Classification.Accepted(new CertExportEvent(
            Dest: winEvent.Computer,
            Subject: names[^1],
            SubjectNames: names,
            UserDataXml: winEvent.UserDataXml,
            TimeCreatedUtc: EventTime(winEvent),
            Channel: channel,
            ChannelText: SharedChannelText(winEvent.Channel!),
            RecordId: recordId,
            ProcessName: winEvent.ProcessName,
            AccountName: winEvent.AccountName,
            Context: winEvent.Context,
            Thumbprint: winEvent.Thumbprint,
            UserSid: winEvent.UserSid));
    }

    // The channel as recorded, but one shared instance when it is spelled exactly as Windows writes
    // it: every finding keeps the text of its last export, so a million findings would otherwise
    // hold a million copies of the same 72 characters.
    private static string SharedChannelText(string recorded) =>
        string.Equals(recorded, SystemChannel, StringComparison.Ordinal) ? SystemChannel
        : string.Equals(recorded, UserChannel, StringComparison.Ordinal) ? UserChannel
        : recorded;

    private static Classification.Rejected? ResolveTime(WinEvent winEvent)
    {
        if (winEvent.TimeCreatedUtc is not null)
        {
            return null;
        }

        if (winEvent.SystemTime is null)
        {
            return new(RejectionCode.MissingField, "TimeCreated/@SystemTime is missing.");
        }

        return SystemTime.TryParse(winEvent.SystemTime, out _)
            ? null
            : new(RejectionCode.InvalidField, $"TimeCreated/@SystemTime is not a valid time: '{Quote(winEvent.SystemTime)}'.");
    }

    // Called only after ResolveTime succeeded.
    private static DateTime EventTime(WinEvent winEvent)
    {
        if (winEvent.TimeCreatedUtc is { } given)
        {
            return given.Kind switch
            {
                DateTimeKind.Utc => given,
                DateTimeKind.Local => given.ToUniversalTime(),
                _ => DateTime.SpecifyKind(given, DateTimeKind.Utc), // event times are UTC by definition
            };
        }

        SystemTime.TryParse(winEvent.SystemTime, out var parsed);
        return parsed;
    }

    // Absent or blank: no record id (the event still counts; dedup then has less to go on).
    private static bool TryParseRecordId(string? text, out long? recordId)
    {
        recordId = null;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return true;
        }

        if (!long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        recordId = value;
        return true;
    }

    private static string Quote(string? value)
        => value is null ? "" : value.Length <= MaxQuotedChars ? value : string.Concat(value.AsSpan(0, MaxQuotedChars), "...");
}
