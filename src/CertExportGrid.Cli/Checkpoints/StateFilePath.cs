using System.Runtime.InteropServices;

namespace CertExportGrid.Cli.Checkpoints;

/// <summary>
/// Checks, before anything is sent, that a path can hold a file the CLI rewrites atomically
/// (--checkpoint, --state): its folder exists and is writable, and the path is not a folder or a
/// special file. A FIFO would hang the first read; renaming over a device node (as root, /dev/null)
/// would replace it.
/// </summary>
internal static class StateFilePath
{
    /// <summary>Null when usable, else what is wrong (without the path).</summary>
    public static string? Problem(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
            return $"the folder {folder} does not exist.";
        if (Directory.Exists(full))
            return "is a folder; give the path of a file (it is created if missing).";
        if (File.Exists(full) && IsSpecialFile(full))
            return "is not a regular file (a device, pipe or socket); give the path of an ordinary file.";
        try
        {
            // The same temporary file the atomic write creates, so this is exactly what it needs.
            var temp = AtomicFile.TempOf(full);
            using (AtomicFile.CreateTemp(temp))
            {
            }

            File.Delete(temp);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot be written: {ex.Message}";
        }
    }

    /// <summary>
    /// Whether an existing path is something other than a regular file. The base library does not
    /// expose the file type, so on Linux this asks stat(2); elsewhere (or on a libc without the
    /// symbol) it answers false and the write itself is the check.
    /// </summary>
    private static bool IsSpecialFile(string path)
    {
        // st_mode's offset in struct stat: the x86-64 and the generic (arm64) kernel layouts.
        int? modeOffset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,
            Architecture.Arm64 => 16,
            _ => null,
        };
        if (!OperatingSystem.IsLinux() || modeOffset is not { } offset)
            return false;
        var buffer = new byte[256]; // larger than struct stat on either layout
        try
        {
            if (Stat(path, buffer) != 0)
                return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // glibc before 2.33 exports only __xstat
        }

        const uint TypeMask = 0xF000, Regular = 0x8000;
        return (BitConverter.ToUInt32(buffer, offset) & TypeMask) != Regular;
    }

    // DllImport rather than LibraryImport: the generated form needs unsafe code enabled for the whole CLI.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] buffer);
#pragma warning restore SYSLIB1054
}
