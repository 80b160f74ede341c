using CertExportGrid.Cli.Checkpoints;

namespace CertExportGrid.Cli.Tests.Checkpoints;

public class FileCursorTests
{
    [Fact]
    public void Finish_OutOfOrder_AdvancesOnlyOverTheContiguousPrefix()
    {
        var cursor = new FileCursor("/logs/a.xml");
        var first = cursor.Register(100, 1);
        var second = cursor.Register(250, 3); // line 2 blank
        var third = cursor.Register(400, 4);
        var fourth = cursor.Register(520, 5);

        Assert.False(cursor.Finish(second));
        Assert.False(cursor.Finish(fourth));
        Assert.Equal((0L, 0), cursor.Confirmed);

        Assert.True(cursor.Finish(first));
        Assert.Equal((250L, 3), cursor.Confirmed); // first and second; third still open

        Assert.True(cursor.Finish(third));
        Assert.Equal((520L, 5), cursor.Confirmed);
        Assert.Equal(0, cursor.Open);
    }

    [Fact]
    public void Finish_Twice_CountsOnce()
    {
        var cursor = new FileCursor("/logs/a.xml");
        var only = cursor.Register(10, 1);

        Assert.True(cursor.Finish(only));
        Assert.False(cursor.Finish(only));
        Assert.Equal((10L, 1), cursor.Confirmed);
    }

    [Fact]
    public void RegisterFinal_AfterAnOpenEvent_WaitsForIt()
    {
        var cursor = new FileCursor("/logs/a.xml", startOffset: 1000, startLine: 20);
        var open = cursor.Register(1100, 21);

        Assert.False(cursor.RegisterFinal(1105, 23)); // trailing blank lines
        Assert.Equal((1000L, 20), cursor.Confirmed);

        cursor.Finish(open);
        Assert.Equal((1105L, 23), cursor.Confirmed);
    }
}
