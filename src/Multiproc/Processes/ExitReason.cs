using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Multiproc.Processes;

/// <summary>How a process ended, in words: its exit code, the signal that killed it by name, or the kernel's out-of-memory killer.</summary>
/// <remarks>
/// The kernel's log is not for everyone to read, but a memory cgroup counts the processes its OOM killer
/// ended (`oom_kill` in cgroup v2's memory.events, v1's memory.oom_control): a SIGKILL while that count
/// rose was most likely the OOM killer. The count is read when the process starts and when it is gone.
/// </remarks>
internal sealed class ExitReason
{
    // Numbered alike on Linux and macOS.
    private static readonly string?[] SignalNames =
        { null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", null, "SIGABRT", null, "SIGFPE", "SIGKILL", null, "SIGSEGV", null, "SIGPIPE", "SIGALRM", "SIGTERM" };
    private const int SigKill = 9;

    private readonly string? _oomCounter;
    private readonly long _oomKillsAtStart;

    private ExitReason(string? oomCounter)
    {
        _oomCounter = oomCounter;
        _oomKillsAtStart = ReadOomKills(oomCounter) ?? 0;
    }

    /// <summary>Starts watching a live process: finds its memory cgroup's OOM count, where there is one.</summary>
    public static ExitReason Watch(int processId) => new(OperatingSystem.IsLinux() ? FindOomCounter(processId) : null);

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
        if (signal == SigKill && ReadOomKills(_oomCounter) > _oomKillsAtStart)
            return "was killed by SIGKILL while its memory cgroup's out-of-memory killer struck: it most likely ran out of memory";
        var name = signal < SignalNames.Length ? SignalNames[signal] : null;
        return $"was killed by {name ?? $"signal {signal}"}";
    }

    private static string? FindOomCounter(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/cgroup"))
            {
                var parts = line.Split(':', 3);
                if (parts.Length < 3) continue;
                string? file = parts[0] == "0" && parts[1] == ""
                    ? new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" }.Select(root => root + parts[2].TrimEnd('/') + "/memory.events").FirstOrDefault(File.Exists)
                    : parts[1].Split(',').Contains("memory") ? "/sys/fs/cgroup/memory" + parts[2].TrimEnd('/') + "/memory.oom_control" : null;
                if (file is not null && File.Exists(file)) return file;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }

    private static long? ReadOomKills(string? counter)
    {
        if (counter is null) return null;
        try
        {
            foreach (var line in File.ReadLines(counter))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(9), out var kills)) return kills;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
