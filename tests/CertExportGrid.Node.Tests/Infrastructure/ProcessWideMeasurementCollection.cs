namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>
/// Tests that measure the whole test process (managed heap, working set) run alone: other tests'
/// in-process nodes allocating at the same time would be counted as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMeasurementCollection
{
    public const string Name = "process-wide measurement";
}
