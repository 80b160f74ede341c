namespace CertExportGrid.Grains;

/// <summary>The current state of one (dest, subject) finding, as published and as queried.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.FindingSnapshot")]
public sealed record FindingSnapshot
{
    [Id(0)] public required string Dest { get; init; }
    [Id(1)] public required string Subject { get; init; }

    /// <summary>Distinct export events counted.</summary>
    [Id(2)] public required long Count { get; init; }

    /// <summary>min / max SystemTime, UTC ticks.</summary>
    [Id(3)] public required long FirstTicks { get; init; }
    [Id(4)] public required long LastTicks { get; init; }

    /// <summary>Increases with every change of the aggregate.</summary>
    [Id(5)] public required long Version { get; init; }

    /// <summary>Subject names of the most recent export (by event time).</summary>
    [Id(6)] public required string[] SubjectNames { get; init; }

    /// <summary>The most recent export (by event time).</summary>
    [Id(7)] public required ExportDetails LastExport { get; init; }

    /// <summary>Number of distinct UserData_Xml rows.</summary>
    [Id(8)] public required int RowCount { get; init; }

    /// <summary>The Splunk rows; filled only when asked for (GetFinding with rows).</summary>
    [Id(9)] public SplunkRowState[] Rows { get; init; } = [];

    /// <summary>The rule that produced the finding, and its risk message for this dest.</summary>
    [Id(10)] public required RuleReference Rule { get; init; }
    [Id(11)] public required string RiskMessage { get; init; }

    /// <summary>Provenance: the last few distinct collector identities that sent counted events, most recent last.</summary>
    [Id(12)] public string[] Collectors { get; init; } = [];

    /// <summary>The collector identity of the most recently counted event.</summary>
    [Id(13)] public string? LastCollector { get; init; }

    /// <summary>Every row matches a suppression rule in force when this snapshot was made.</summary>
    [Id(14)] public bool Suppressed { get; init; }

    /// <summary>Counted events that matched a suppression rule when they were counted.</summary>
    [Id(15)] public long SuppressedCount { get; init; }
}

/// <summary>Details of one export event kept on the finding.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.ExportDetails")]
public sealed record ExportDetails
{
    [Id(0)] public string? ProcessName { get; init; }
    [Id(1)] public string? AccountName { get; init; }
    [Id(2)] public string? Thumbprint { get; init; }
    [Id(3)] public string Channel { get; init; } = "";
    [Id(4)] public long? RecordId { get; init; }
    [Id(5)] public string? UserSid { get; init; }
    [Id(6)] public string? Context { get; init; }
    [Id(7)] public long TimeTicks { get; init; }
}

/// <summary>One row of the Splunk table: one distinct UserData_Xml of a (dest, subject).</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.SplunkRowState")]
public sealed record SplunkRowState(
    [property: Id(0)] string UserDataXml,
    [property: Id(1)] long Count,
    [property: Id(2)] long FirstTicks,
    [property: Id(3)] long LastTicks);

/// <summary>Rule metadata carried on every finding.</summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.RuleReference")]
public sealed record RuleReference
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required int Version { get; init; }
    [Id(3)] public required string[] MitreAttackIds { get; init; }
    [Id(4)] public required int RiskScore { get; init; }
    [Id(5)] public required string AnalyticStory { get; init; }
    [Id(6)] public required string Type { get; init; }
}

/// <summary>
/// What one Apply call did. <paramref name="DuplicatePositions"/> lists, in ascending order, the
/// positions in the call's observations that were duplicates (null when there were none), so a
/// gateway that merged several batches into one call can tell each batch its own duplicates.
/// </summary>
[GenerateSerializer, Immutable, Alias("certexportgrid.ApplyResult")]
public readonly record struct ApplyResult(
    [property: Id(0)] int Applied,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] long Version,
    [property: Id(3)] int[]? DuplicatePositions = null);
