using CertExportGrid.Grains;
using CertExportGrid.Grains.Findings;
using CertExportGrid.Grains.Storage;
using CertExportGrid.Node.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Serialization;

namespace CertExportGrid.Node.Tests.Durability;

/// <summary>
/// A database file in the first table layout (WITHOUT ROWID) is converted when opened: every row,
/// version and byte is kept, and writes go on from there.
/// </summary>
public sealed class SqliteLayoutMigrationTests
{
    [Fact]
    public async Task FileInTheFirstLayout_IsConverted_KeepingRowsAndVersions()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("old.db");
        var serializer = new ServiceCollection()
            .AddSerializer(builder => builder.AddAssembly(typeof(FindingState).Assembly))
            .BuildServiceProvider()
            .GetRequiredService<Serializer>();
        var grain = GrainId.Create("findingindex", "7");
        using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE grain_state (
                    state_name TEXT NOT NULL, grain_id TEXT NOT NULL, version INTEGER NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (state_name, grain_id)) WITHOUT ROWID;
                INSERT INTO grain_state VALUES ('index-page-0', $g, 3, $d);
                """;
            create.Parameters.AddWithValue("$g", grain.ToString());
            create.Parameters.AddWithValue("$d", serializer.SerializeToArray(new FindingIndexPageState { Keys = ["key-a", "key-b"] }));
            create.ExecuteNonQuery();
        }

        using (var storage = new SqliteGrainStorage("findings", new SqliteGrainStorageOptions { DatabasePath = path }, serializer, NullLogger<SqliteGrainStorage>.Instance))
        {
            var page = new GrainState<FindingIndexPageState>(new FindingIndexPageState());
            await storage.ReadStateAsync("index-page-0", grain, page);
            Assert.True(page.RecordExists);
            Assert.Equal("3", page.ETag);
            Assert.Equal(["key-a", "key-b"], page.State!.Keys);

            page.State.Keys.Add("key-c");
            await storage.WriteStateAsync("index-page-0", grain, page);
            Assert.Equal("4", page.ETag);
        }

        using var check = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var schema = check.CreateCommand();
        schema.CommandText = "SELECT sql FROM sqlite_master WHERE name = 'grain_state'";
        Assert.DoesNotContain("WITHOUT ROWID", (string)schema.ExecuteScalar()!, StringComparison.OrdinalIgnoreCase);
        using var rows = check.CreateCommand();
        rows.CommandText = "SELECT COUNT(*), MAX(version) FROM grain_state";
        using var reader = rows.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((1L, 4L), (reader.GetInt64(0), reader.GetInt64(1)));
    }
}
