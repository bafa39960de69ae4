using System;
using System.Diagnostics;

namespace Multiproc.Platform;

/// <summary>Processes as .NET's process table shows them: no cgroups, so no out-of-memory count.</summary>
internal sealed class PortableProcessProbe : IProcessProbe
{
    public bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return false; }
    }

    public Func<long?>? OutOfMemoryKills(int pid) => null;
}
