using CertExportGrid.Grains;
using CertExportGrid.Node.Ingest;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CertExportGrid.Node.Tests.Ingest;

/// <summary>References built from the once-resolved grain types are the ones Orleans would build.</summary>
public sealed class FindingGrainsTests
{
    [Fact]
    public async Task Get_FirstAndLaterKeys_SameGrainAndInterfaceAsGetGrain()
    {
        await using var node = new NodeFactory();
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var findings = node.Services.GetRequiredService<FindingGrains>();

        foreach (var key in new[] { "5:HOST1CN=first", "5:HOST2CN=second", "5:HOST3CN=third" })
        {
            var built = (GrainReference)findings.Get(key);
            var expected = (GrainReference)grains.GetGrain<IExportFindingGrain>(key);
            Assert.Equal(expected.GrainId, built.GrainId);
            Assert.Equal(expected.InterfaceType, built.InterfaceType);
            Assert.Null(await ((IExportFindingGrain)built).GetFinding(includeRows: false)); // and it answers
        }
    }
}
