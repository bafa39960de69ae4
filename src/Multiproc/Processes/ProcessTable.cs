using System.Collections.Generic;
using System.Threading;

namespace Multiproc.Processes;

/// <summary>The session's child processes, running and ended, until they are removed (as Get-Job's list).</summary>
internal sealed class ProcessTable
{
    private readonly object _gate = new();
    private readonly List<MpProcess> _processes = new();   // guarded by _gate
    private int _started;

    /// <summary>`MpProcess-n`, numbered per session as Python's `Process-n`.</summary>
    public string NextName() => $"MpProcess-{Interlocked.Increment(ref _started)}";

    public void Add(MpProcess process) { lock (_gate) _processes.Add(process); }

    public void Remove(MpProcess process) { lock (_gate) _processes.Remove(process); }

    public MpProcess[] Snapshot() { lock (_gate) return _processes.ToArray(); }

    public void KillAll()
    {
        foreach (var process in Snapshot()) process.Kill();
    }
}
