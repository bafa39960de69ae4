using System;
using System.IO;
using System.Linq;

namespace Multiproc.Platform;

/// <summary>Processes as /proc and the cgroup file system show them.</summary>
/// <remarks>
/// The kernel's log is not for everyone to read, but a memory cgroup counts the processes its OOM killer
/// ended (`oom_kill` in cgroup v2's memory.events, v1's memory.oom_control).
/// </remarks>
internal sealed class LinuxProcessProbe : IProcessProbe
{
    public bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] != 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public Func<long?>? OutOfMemoryKills(int pid) => FindOomCounter(pid) is { } counter ? () => ReadOomKills(counter) : null;

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

    private static long? ReadOomKills(string counter)
    {
        try
        {
            foreach (var line in File.ReadLines(counter))
                if (line.StartsWith("oom_kill ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(9), out var kills)) return kills;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
