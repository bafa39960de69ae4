namespace Multiproc.Platform;

/// <summary>
/// Every call into the operating system goes through here: the Linux implementations (futexes, /proc,
/// mmap, process groups, _exit), or the portable ones built on .NET alone, which run anywhere else and
/// on Linux when <see cref="MpSettings.Portable"/> is set (SPEC section 12).
/// </summary>
/// <remarks>
/// The two ways meet on the same shared memory, so a portable process and a native one can share a
/// session: a portable waiter sees a change when it looks again, a native one when a futex wakes it or,
/// after a portable process's change (which wakes no futex), at the end of its 50 ms sleep.
/// </remarks>
internal static class Os
{
    private static readonly IWordWaits s_futex = new LinuxFutex();
    private static readonly IWordWaits s_polled = new PolledWaits();
    private static readonly IProcessProbe s_proc = new LinuxProcessProbe();
    private static readonly IProcessProbe s_processTable = new PortableProcessProbe();
    private static readonly IMemoryMaps s_mmap = new UnixMemoryMaps();
    private static readonly IMemoryMaps s_memoryMappedFiles = new PortableMemoryMaps();
    private static readonly IProcessControl s_libc = new LinuxProcessControl();
    private static readonly IProcessControl s_dotnet = new PortableProcessControl();

    public static IWordWaits Waits => MpSettings.Portable ? s_polled : s_futex;
    public static IProcessProbe Processes => MpSettings.Portable ? s_processTable : s_proc;
    public static IMemoryMaps Memory => MpSettings.Portable ? s_memoryMappedFiles : s_mmap;
    public static IProcessControl Control => MpSettings.Portable ? s_dotnet : s_libc;

    /// <summary>Whether this system has what the native paths need: Linux on x64 or arm64.</summary>
    public static bool HasNativePaths => LinuxFutex.IsSupported;
}
