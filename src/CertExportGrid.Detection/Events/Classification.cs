namespace CertExportGrid.Detection.Events;

/// <summary>What the detection makes of one input event.</summary>
public abstract record Classification
{
    private Classification() { }

    /// <summary>An in-scope export that counts.</summary>
    public sealed record Accepted(CertExportEvent Event) : Classification;

    /// <summary>A valid event outside the detection's scope: not an error, produces nothing.</summary>
    public sealed record Ignored(IgnoreReason Reason) : Classification;

    /// <summary>Bad input: refused with a specific reason, contributes nothing.</summary>
    public sealed record Rejected(RejectionCode Code, string Message) : Classification;
}

/// <summary>Why a well-formed event is out of scope (each is counted in a metric).</summary>
public enum IgnoreReason
{
    /// <summary>System/Channel is not one of the two Lifecycle Operational channels (or is missing).</summary>
    OtherChannel,

    /// <summary>System/EventID is not 1007 (or is missing).</summary>
    OtherEventId,

    /// <summary>No System/Computer, or it is empty: the stats BY field is missing.</summary>
    NoComputer,

    /// <summary>No UserData element.</summary>
    NoUserData,

    /// <summary>No SubjectName, or the last one is empty.</summary>
    NoSubject,
}

/// <summary>Why an event was refused. Mirrors certexportgrid.v1.RejectReason.</summary>
public enum RejectionCode
{
    NotWellFormed = 1,
    DtdProhibited = 2,
    TooLarge = 3,
    TooDeep = 4,
    MissingField = 5,
    InvalidField = 6,
    InvalidEncoding = 7,
    NotAnEvent = 8,
}
