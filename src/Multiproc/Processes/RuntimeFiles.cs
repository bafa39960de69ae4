using System;
using System.IO;

namespace Multiproc.Processes;

/// <summary>
/// The files a pwsh process's runtime makes in the temporary folder for debuggers and diagnostics tools:
/// `clr-debug-pipe-&lt;pid&gt;-*`, `dotnet-diagnostic-&lt;pid&gt;-*` and PowerShell's `CoreFxPipe_PSHost.*.&lt;pid&gt;.*`.
/// </summary>
/// <remarks>
/// The runtime removes them when it shuts down in order; a child ends with `_exit` (SPEC §9: a join costs
/// no shutdown) or is killed, so without this each child left four behind (issue 19). The parent removes
/// them once the child has ended, off the join's path.
/// </remarks>
internal static class RuntimeFiles
{
    /// <summary>Removes those of process <paramref name="pid"/>, which has ended or is about to; never throws.</summary>
    public static void Remove(int pid)
    {
        try
        {
            // One pass over the folder: it may hold thousands of entries.
            foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), $"*{pid}*"))
            {
                var name = Path.GetFileName(file);
                if (name.StartsWith($"clr-debug-pipe-{pid}-", StringComparison.Ordinal) ||
                    name.StartsWith($"dotnet-diagnostic-{pid}-", StringComparison.Ordinal) ||
                    (name.StartsWith("CoreFxPipe_PSHost.", StringComparison.Ordinal) && name.Contains($".{pid}.", StringComparison.Ordinal)))
                    try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
