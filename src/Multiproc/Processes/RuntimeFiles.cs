using System;
using System.IO;

namespace Multiproc.Processes;

/// <summary>
/// The files a pwsh process's runtime makes in the temporary folder for debuggers and diagnostics tools:
/// `clr-debug-pipe-<pid>-*`, `dotnet-diagnostic-<pid>-*` and PowerShell's `CoreFxPipe_PSHost.*.<pid>.*`.
/// </summary>
/// <remarks>
/// The runtime removes them when it shuts down in order; a child ends with `_exit` (SPEC §9: a join costs
/// no shutdown) and a worker is killed, so without this each child left four behind (issue 19).
/// </remarks>
internal static class RuntimeFiles
{
    /// <summary>Removes those of process <paramref name="pid"/>, which has ended or is about to; never throws.</summary>
    public static void Remove(int pid)
    {
        try
        {
            var folder = Path.GetTempPath();
            foreach (var pattern in new[] { $"clr-debug-pipe-{pid}-*", $"dotnet-diagnostic-{pid}-*", $"CoreFxPipe_PSHost.*.{pid}.*" })
                foreach (var file in Directory.EnumerateFiles(folder, pattern))
                    try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
