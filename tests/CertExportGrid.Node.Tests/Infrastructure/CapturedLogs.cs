using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CertExportGrid.Node.Tests.Infrastructure;

/// <summary>
/// What an in-process node logged (event id and formatted message), so a test can wait for the
/// node to say it did something instead of sleeping and hoping it had.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(int EventId, LogLevel Level, string Message)> _entries = new();

    public IReadOnlyCollection<(int EventId, LogLevel Level, string Message)> Entries => _entries;

    public bool Contains(int eventId) => _entries.Any(entry => entry.EventId == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
