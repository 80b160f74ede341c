namespace CertExportGrid.Detection.Tests.Support;

/// <summary>Files under TestData/ (copied case inputs), read as bytes because some lines are not UTF-8 text.</summary>
internal static class TestData
{
    /// <summary>Splits a file into its lines' raw bytes (on LF, as the ingest path does).</summary>
    public static byte[][] ReadLines(string name)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "TestData", name));
        var lines = new List<byte[]>();
        var start = 0;
        while (start < bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                end = bytes.Length;
            }

            lines.Add(bytes[start..end]);
            start = end + 1;
        }

        return [.. lines];
    }
}
