using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Platform;
using Xunit;

namespace Multiproc.Tests;

/// <summary>Each platform interface's two implementations, Linux and portable, keep the same contract.</summary>
public unsafe class PlatformTests
{
    public static IEnumerable<object[]> Waits() => [[new LinuxFutex()], [new PolledWaits()]];
    public static IEnumerable<object[]> Probes() => [[new LinuxProcessProbe()], [new PortableProcessProbe()]];
    public static IEnumerable<object[]> Maps() => [[new UnixMemoryMaps()], [new PortableMemoryMaps()]];

    [Theory, MemberData(nameof(Waits))]
    internal void A_wait_returns_at_once_when_the_word_already_differs(IWordWaits waits)
    {
        int word = 1;
        var watch = Stopwatch.StartNew();
        waits.WaitWhile(&word, 0, 5_000);
        Assert.InRange(watch.ElapsedMilliseconds, 0, 1_000);
    }

    [Theory, MemberData(nameof(Waits))]
    internal void A_wait_on_an_unchanged_word_ends_at_its_timeout(IWordWaits waits)
    {
        int word = 0;
        var watch = Stopwatch.StartNew();
        waits.WaitWhile(&word, 0, 200);
        Assert.InRange(watch.ElapsedMilliseconds, 150, 5_000);
    }

    [Theory, MemberData(nameof(Waits))]
    internal void A_wait_ends_soon_after_another_thread_changes_the_word(IWordWaits waits)
    {
        var memory = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(4);
        try
        {
            var address = (IntPtr)memory;
            using var sleeping = new ManualResetEventSlim();
            var changer = Task.Run(() =>
            {
                sleeping.Wait();
                Thread.Sleep(300);   // the waiter is asleep by now, past any first look
                Interlocked.Exchange(ref *(int*)address, 1);
                waits.WakeUp((int*)address, int.MaxValue);
            });
            var watch = Stopwatch.StartNew();
            sleeping.Set();
            while (Volatile.Read(ref *memory) == 0 && watch.ElapsedMilliseconds < 10_000) waits.WaitWhile(memory, 0, 10_000);
            changer.Wait();
            Assert.Equal(1, *memory);
            Assert.InRange(watch.ElapsedMilliseconds, 250, 3_000);   // not the 10 s timeout
        }
        finally { System.Runtime.InteropServices.NativeMemory.Free(memory); }
    }

    [Theory, MemberData(nameof(Probes))]
    internal void A_process_is_alive_until_it_has_exited(IProcessProbe probe)
    {
        Assert.True(probe.IsAlive(Environment.ProcessId));
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        Assert.True(probe.IsAlive(sleeper.Id));
        sleeper.Kill();
        sleeper.WaitForExit();
        Assert.False(probe.IsAlive(sleeper.Id));
        Assert.False(probe.IsAlive(int.MaxValue - 1));   // no such process
    }

    [Theory, MemberData(nameof(Probes))]
    internal void An_out_of_memory_count_is_read_where_there_is_one(IProcessProbe probe)
    {
        var kills = probe.OutOfMemoryKills(Environment.ProcessId);
        if (probe is PortableProcessProbe) Assert.Null(kills);
        if (kills is not null) Assert.True(kills() is null or >= 0);
    }

    [Fact]
    public void The_linux_control_takes_the_process_out_of_its_terminals_group()
    {
        new LinuxProcessControl().IgnoreTerminalInterrupt();
        // Field 5 of /proc/self/stat (after the name) is the process group: now this process's own id,
        // so a Ctrl+C sent to the group it was started in does not reach it.
        var stat = File.ReadAllText("/proc/self/stat");
        var group = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2]);
        Assert.Equal(Environment.ProcessId, group);
    }

    [Fact]
    public void The_portable_control_lets_an_interrupt_pass_without_ending_the_process()
    {
        new PortableProcessControl().IgnoreTerminalInterrupt();
        // A process started in the background by a shell without job control ignores SIGINT from the start,
        // and the runtime keeps it so: then no interrupt can reach it, with or without the control.
        if (InterruptIgnoredSinceStart()) return;
        int interrupts = 0;
        using var counting = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGINT, _ => Interlocked.Increment(ref interrupts));
        using (var kill = Process.Start(new ProcessStartInfo("kill", $"-INT {Environment.ProcessId}") { UseShellExecute = false })!)
            kill.WaitForExit();
        var watch = Stopwatch.StartNew();
        while (Volatile.Read(ref interrupts) == 0 && watch.ElapsedMilliseconds < 10_000) Thread.Sleep(10);
        Assert.Equal(1, interrupts);   // it came, and this process is still here to count it
    }

    // Bit 2 (SIGINT) of the ignored-signals mask in /proc/self/status.
    private static bool InterruptIgnoredSinceStart()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return (Convert.ToUInt64(line[7..].Trim(), 16) & 0x2) != 0;
        return false;
    }

    [Theory, MemberData(nameof(Maps))]
    internal void Two_mappings_of_a_file_share_its_memory_with_either_way(IMemoryMaps maps)
    {
        var path = Path.Combine(Path.GetTempPath(), $"multiproc-map-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, new byte[8192]);
        try
        {
            var first = maps.Map(path, 8192, out var firstMapping);
            // The other implementation maps it too: processes of both modes share one session's memory.
            IMemoryMaps other = maps is UnixMemoryMaps ? new PortableMemoryMaps() : new UnixMemoryMaps();
            var second = other.Map(path, 8192, out var secondMapping);
            try
            {
                Assert.Equal(0, DescriptorsOf(path));   // a session with many pipes would run out of them
                Interlocked.Exchange(ref *(int*)(first + 4096), 42);
                Assert.Equal(42, Volatile.Read(ref *(int*)(second + 4096)));
                Interlocked.Exchange(ref *(int*)second, 7);
                Assert.Equal(7, Volatile.Read(ref *(int*)first));
            }
            finally
            {
                maps.Unmap(first, 8192, firstMapping);
                other.Unmap(second, 8192, secondMapping);
            }
            File.Delete(path);   // the maker deletes it while others may still map it
        }
        finally { File.Delete(path); }
    }

    private static int DescriptorsOf(string path)
    {
        int count = 0;
        foreach (var fd in new DirectoryInfo("/proc/self/fd").GetFiles())
        {
            try { if (fd.LinkTarget == path) count++; }
            catch (IOException) { /* closed while listed */ }
        }
        return count;
    }

    [Theory, MemberData(nameof(Maps))]
    internal void A_missing_or_short_file_fails_with_an_IOException(IMemoryMaps maps)
    {
        var path = Path.Combine(Path.GetTempPath(), $"multiproc-map-{Guid.NewGuid():N}");
        Assert.ThrowsAny<IOException>(() => { maps.Map(path, 4096, out _); });
        File.WriteAllBytes(path, new byte[100]);
        try { Assert.ThrowsAny<IOException>(() => { maps.Map(path, 4096, out _); }); }
        finally { File.Delete(path); }
    }
}
