using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>Linux futexes on shared memory: a sleeper is woken the moment its word changes.</summary>
internal sealed unsafe class LinuxFutex : IWordWaits
{
    private const int Wait = 0, Wake = 1;   // not the PRIVATE forms: the word is shared between processes
    private static readonly long s_syscall = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    public static bool IsSupported => System.OperatingSystem.IsLinux() && s_syscall >= 0;

    public void WaitWhile(int* word, int expected, int milliseconds)
    {
        var timeout = new Timespec { Seconds = milliseconds / 1000, Nanoseconds = milliseconds % 1000 * 1_000_000L };
        syscall(s_syscall, word, Wait, expected, &timeout, null, 0);
    }

    public void WakeUp(int* word, int count) => syscall(s_syscall, word, Wake, count, null, null, 0);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, int* word, int op, int value, Timespec* timeout, int* word2, int value3);
}
