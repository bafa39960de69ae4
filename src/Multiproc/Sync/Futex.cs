using System;
using System.Runtime.InteropServices;

namespace Multiproc.Sync;

/// <summary>Linux futexes on shared memory: sleep until a word changes, and wake its sleepers, across processes.</summary>
internal static unsafe class Futex
{
    private const int Wait = 0, Wake = 1;   // not the PRIVATE forms: the word is shared between processes
    private static readonly long s_syscall = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    public static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux() || s_syscall < 0)
            throw new PlatformNotSupportedException("Multiproc locks use Linux futexes (x64 or arm64); this system has none.");
    }

    /// <summary>Sleeps while <paramref name="word"/> still holds <paramref name="expected"/>, at most <paramref name="milliseconds"/>.</summary>
    public static void WaitWhile(int* word, int expected, int milliseconds)
    {
        var timeout = new Timespec { Seconds = milliseconds / 1000, Nanoseconds = milliseconds % 1000 * 1_000_000L };
        syscall(s_syscall, word, Wait, expected, &timeout, null, 0);
    }

    /// <summary>Wakes up to <paramref name="count"/> sleepers on <paramref name="word"/>.</summary>
    public static void WakeUp(int* word, int count) => syscall(s_syscall, word, Wake, count, null, null, 0);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, int* word, int op, int value, Timespec* timeout, int* word2, int value3);
}
