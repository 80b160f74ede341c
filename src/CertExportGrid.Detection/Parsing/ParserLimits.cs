namespace CertExportGrid.Detection.Parsing;

/// <summary>Bounds on one event's markup. A real 1007 is about 1.5 KB and 6 levels deep.</summary>
public sealed record ParserLimits
{
    /// <summary>Largest accepted event, in UTF-16 characters (default 65,536).</summary>
    public int MaxEventChars { get; init; } = 65_536;

    /// <summary>Deepest accepted element nesting (default 32).</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Most attributes on one element (default 64).</summary>
    public int MaxAttributesPerElement { get; init; } = 64;

    public static ParserLimits Default { get; } = new();
}
