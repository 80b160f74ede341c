namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>Settings for an in-process node on durable SQLite storage in a test's own folder.</summary>
public static class SqliteNodeSettings
{
    /// <summary>SQLite storage under <paramref name="temp"/>/data, plus the given settings.</summary>
    public static Dictionary<string, string?> In(TempDirectory temp, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CertExportGrid:Storage"] = "Sqlite",
            ["CertExportGrid:DataDirectory"] = temp.Combine("data"),
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }
}
