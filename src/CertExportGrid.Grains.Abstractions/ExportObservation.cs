namespace CertExportGrid.Grains;

/// <summary>One in-scope export event, as the gateway hands it to the grain of its (dest, subject).</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.ExportObservation")]
public sealed record ExportObservation
{
    /// <summary>The raw inner markup of UserData: the Splunk row key UserData_Xml.</summary>
    [Id(0)] public required string UserDataXml { get; init; }

    /// <summary>TimeCreated/@SystemTime as UTC ticks (100 ns).</summary>
    [Id(1)] public required long TimeTicks { get; init; }

    /// <summary>1 = Lifecycle-System, 2 = Lifecycle-User (part of the dedup identity).</summary>
    [Id(2)] public required byte ChannelCode { get; init; }

    /// <summary>The channel text as recorded.</summary>
    [Id(3)] public required string Channel { get; init; }

    /// <summary>EventRecordID, or null when the event carried none.</summary>
    [Id(4)] public long? RecordId { get; init; }

    /// <summary>All SubjectName values in document order.</summary>
    [Id(5)] public required string[] SubjectNames { get; init; }

    [Id(6)] public string? ProcessName { get; init; }
    [Id(7)] public string? AccountName { get; init; }
    [Id(8)] public string? Context { get; init; }
    [Id(9)] public string? Thumbprint { get; init; }
    [Id(10)] public string? UserSid { get; init; }

    /// <summary>The authenticated collector identity that sent the event (provenance); null from older gateways.</summary>
    [Id(11)] public string? Collector { get; init; }
}
