using CertExportGrid.Cli.Output;

namespace CertExportGrid.Cli.Commands;

/// <summary>watch's <c>--state</c> file cannot be used; the message names the file and what to do.</summary>
internal sealed class WatchStateFileException(string path, string problem) : Exception($"--state {TerminalText.Escape(path)}: {problem}");
