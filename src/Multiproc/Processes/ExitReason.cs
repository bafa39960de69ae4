using System;
using System.Diagnostics;
using Multiproc.Platform;

namespace Multiproc.Processes;

/// <summary>How a process ended, in words: its exit code, the signal that killed it by name, or the kernel's out-of-memory killer.</summary>
/// <remarks>
/// A SIGKILL while the count of its memory cgroup's out-of-memory kills rose was most likely the OOM
/// killer. The count is read when the process starts and when it is gone, where there is one to read.
/// </remarks>
internal sealed class ExitReason
{
    // Numbered alike on Linux and macOS.
    private static readonly string?[] SignalNames =
        { null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", null, "SIGABRT", null, "SIGFPE", "SIGKILL", null, "SIGSEGV", null, "SIGPIPE", "SIGALRM", "SIGTERM" };
    private const int SigKill = 9;

    private readonly Func<long?>? _oomKills;
    private readonly long _oomKillsAtStart;

    private ExitReason(Func<long?>? oomKills)
    {
        _oomKills = oomKills;
        _oomKillsAtStart = oomKills?.Invoke() ?? 0;
    }

    /// <summary>Starts watching a live process: finds its memory cgroup's OOM count, where there is one.</summary>
    public static ExitReason Watch(int processId) => new(Os.Processes.OutOfMemoryKills(processId));

    /// <summary>"exited with code 3", "was killed by SIGKILL", "was killed by the kernel's out-of-memory killer (SIGKILL)".</summary>
    public string Describe(Process process)
    {
        int code;
        try
        {
            if (!process.HasExited) return "stopped answering";
            code = process.ExitCode;
        }
        catch (InvalidOperationException) { return "ended"; }
        // .NET reports a process killed by signal N as exit code 128 + N, as shells do.
        if (OperatingSystem.IsWindows() || code <= 128 || code > 128 + 64) return $"exited with code {code}";
        int signal = code - 128;
        if (signal == SigKill && _oomKills?.Invoke() > _oomKillsAtStart)
            return "was killed by SIGKILL while its memory cgroup's out-of-memory killer struck: it most likely ran out of memory";
        var name = signal < SignalNames.Length ? SignalNames[signal] : null;
        return $"was killed by {name ?? $"signal {signal}"}";
    }
}
