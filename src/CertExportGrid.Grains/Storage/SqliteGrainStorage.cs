using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace CertExportGrid.Grains.Storage;

/// <summary>
/// Grain storage in one local SQLite file: the embedded durable default. Grain state is
/// serialized with the Orleans serializer (version-tolerant through the [Id] attributes).
/// Writes from all grains go through one queue and are committed together (group commit), so a
/// write completes - and the gateway acknowledges - only once its transaction is on disk.
/// ETags are per-row version numbers; a stale ETag fails with <see cref="InconsistentStateException"/>.
/// </summary>
public sealed partial class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly string _name;
    private readonly SqliteGrainStorageOptions _options;
    private readonly Serializer _serializer;
    private readonly ILogger _logger;
    private readonly SqliteConnection _readConnection;
    private readonly SemaphoreSlim _readLock = new(1, 1);
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly SqliteCommand _read; // used under _readLock only
    private SqliteCommand? _insert, _update, _delete;

    public SqliteGrainStorage(string name, SqliteGrainStorageOptions options, Serializer serializer, ILogger<SqliteGrainStorage> logger)
    {
        _name = name;
        _options = options;
        _serializer = serializer;
        _logger = logger;

        var folder = Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var writeConnection = Open(options);
        Execute(writeConnection, "PRAGMA journal_mode = WAL;");
        CreateOrMigrateTable(writeConnection);
        _readConnection = Open(options);
        _read = Prepare(_readConnection, "SELECT version, data FROM grain_state WHERE state_name = $s AND grain_id = $g", withData: false);
        PrepareWriteCommands(writeConnection);
        _writer = Task.Run(() => WriteLoopAsync(writeConnection));
        LogOpened(_logger, _name, Path.GetFullPath(options.DatabasePath));
    }

    // A rowid table: rows of a few KB are stored in the table's own pages, appended in write order,
    // with the (state, grain) key in a small separate index. The first layout was WITHOUT ROWID,
    // where such rows spill into overflow pages at random places in the tree: about twice the bytes
    // written per new key (docs/benchmarks.md). Files in that layout are converted once, in one
    // transaction, when they are opened.
    private const string TableDefinition = """
        (
            row_id     INTEGER PRIMARY KEY,
            state_name TEXT NOT NULL,
            grain_id   TEXT NOT NULL,
            version    INTEGER NOT NULL,
            data       BLOB NOT NULL,
            UNIQUE (state_name, grain_id)
        )
        """;

    private void CreateOrMigrateTable(SqliteConnection connection)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'grain_state'";
        var existing = probe.ExecuteScalar() as string;
        if (existing is null)
        {
            Execute(connection, $"CREATE TABLE grain_state {TableDefinition};");
            return;
        }

        if (!existing.Contains("WITHOUT ROWID", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // Minutes for a large file; said first, so a slow start is not mistaken for a hang.
        LogMigrating(_logger, _name);
        using var transaction = connection.BeginTransaction();
        using var migrate = connection.CreateCommand();
        migrate.Transaction = transaction;
        migrate.CommandText = $"""
            CREATE TABLE grain_state_rowid {TableDefinition};
            INSERT INTO grain_state_rowid (state_name, grain_id, version, data)
                SELECT state_name, grain_id, version, data FROM grain_state ORDER BY state_name, grain_id;
            DROP TABLE grain_state;
            ALTER TABLE grain_state_rowid RENAME TO grain_state;
            """;
        migrate.ExecuteNonQuery();
        transaction.Commit();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM grain_state";
        LogMigrated(_logger, _name, (long)count.ExecuteScalar()!);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        byte[]? data = null;
        long version = 0;
        await _readLock.WaitAsync();
        try
        {
            var command = _read;
            command.Parameters[0].Value = stateName;
            command.Parameters[1].Value = grainId.ToString();
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                version = reader.GetInt64(0);
                data = (byte[])reader.GetValue(1);
            }
        }
        finally
        {
            _readLock.Release();
        }

        if (data is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = _serializer.Deserialize<T>(data);
        grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = ParseETag(grainState.ETag);
        var write = new PendingWrite(stateName, grainId.ToString(), expected, _serializer.SerializeToArray(grainState.State));
        await EnqueueAsync(write);
        grainState.ETag = (expected + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await EnqueueAsync(new PendingWrite(stateName, grainId.ToString(), ParseETag(grainState.ETag), Data: null));
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    public void Dispose()
    {
        _writes.Writer.TryComplete();
        _writer.GetAwaiter().GetResult();
        _read.Dispose();
        _readConnection.Dispose();
        _readLock.Dispose();
    }

    private async Task EnqueueAsync(PendingWrite write)
    {
        if (!_writes.Writer.TryWrite(write))
        {
            throw new OrleansException($"Grain storage '{_name}' is shut down.");
        }

        await write.Completion.Task;
    }

    private async Task WriteLoopAsync(SqliteConnection connection)
    {
        var group = new List<PendingWrite>(_options.MaxWritesPerCommit);
        try
        {
            while (await _writes.Reader.WaitToReadAsync())
            {
                group.Clear();
                while (group.Count < _options.MaxWritesPerCommit && _writes.Reader.TryRead(out var write))
                {
                    group.Add(write);
                }

                CommitGroup(connection, group);
            }
        }
        finally
        {
            _insert?.Dispose();
            _update?.Dispose();
            _delete?.Dispose();
            connection.Dispose();
        }
    }

    private void CommitGroup(SqliteConnection connection, List<PendingWrite> group)
    {
        var outcomes = new Exception?[group.Count];
        try
        {
            using var transaction = connection.BeginTransaction();
            _insert!.Transaction = _update!.Transaction = _delete!.Transaction = transaction;
            for (var i = 0; i < group.Count; i++)
            {
                outcomes[i] = Apply(group[i]);
            }

            transaction.Commit();
        }
        catch (Exception exception)
        {
            LogCommitFailed(_logger, exception, _name, group.Count);
            foreach (var write in group)
            {
                write.Completion.TrySetException(new OrleansException($"Grain storage '{_name}' could not commit: {exception.Message}", exception));
            }

            return;
        }

        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i] is { } conflict)
            {
                group[i].Completion.TrySetException(conflict);
            }
            else
            {
                group[i].Completion.TrySetResult();
            }
        }
    }

    private InconsistentStateException? Apply(PendingWrite write)
    {
        var command = write.Data is null ? _delete! : write.ExpectedVersion == 0 ? _insert! : _update!;
        command.Parameters[0].Value = write.StateName;
        command.Parameters[1].Value = write.GrainId;
        command.Parameters[2].Value = write.ExpectedVersion;
        if (write.Data is not null)
        {
            command.Parameters[3].Value = write.Data;
        }

        var changed = command.ExecuteNonQuery();
        return write.Data is null || changed == 1
            ? null
            : new InconsistentStateException($"Version conflict writing {write.StateName} of {write.GrainId}: expected version {write.ExpectedVersion}.");
    }

    // The write connection's statements, prepared once and reused for every write (the writer loop
    // is their only user): no SQL parsing or command allocation per grain write.
    private void PrepareWriteCommands(SqliteConnection connection)
    {
        _insert = Prepare(connection, "INSERT INTO grain_state (state_name, grain_id, version, data) VALUES ($s, $g, 1, $d) ON CONFLICT DO NOTHING", withData: true);
        _update = Prepare(connection, "UPDATE grain_state SET version = $v + 1, data = $d WHERE state_name = $s AND grain_id = $g AND version = $v", withData: true);
        _delete = Prepare(connection, "DELETE FROM grain_state WHERE state_name = $s AND grain_id = $g AND version = $v", withData: false);
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, bool withData)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add("$s", SqliteType.Text);
        command.Parameters.Add("$g", SqliteType.Text);
        command.Parameters.Add("$v", SqliteType.Integer);
        if (withData)
        {
            command.Parameters.Add("$d", SqliteType.Blob);
        }

        // SQLite ignores parameters a statement does not use (INSERT has no $v).
        command.Prepare();
        return command;
    }

    private static long ParseETag(string? etag) =>
        etag is null ? 0 : long.Parse(etag, System.Globalization.CultureInfo.InvariantCulture);

    private static SqliteConnection Open(SqliteGrainStorageOptions options)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = 5000; PRAGMA synchronous = {(options.FlushEveryCommit ? "FULL" : "NORMAL")};");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private sealed record PendingWrite(string StateName, string GrainId, long ExpectedVersion, byte[]? Data)
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Grain storage {Name} uses SQLite database {Path}")]
    private static partial void LogOpened(ILogger logger, string name, string path);

    [LoggerMessage(EventId = 2304, Level = LogLevel.Warning, Message = "Grain storage {Name}: converting the table to the rowid layout, once; this takes a while for a large file")]
    private static partial void LogMigrating(ILogger logger, string name);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Information, Message = "Grain storage {Name}: converted the table to the rowid layout ({Rows} rows kept)")]
    private static partial void LogMigrated(ILogger logger, string name, long rows);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Grain storage {Name} failed to commit {Count} writes; they are reported as failed")]
    private static partial void LogCommitFailed(ILogger logger, Exception exception, string name, int count);
}
