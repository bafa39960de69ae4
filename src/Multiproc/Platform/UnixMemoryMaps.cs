using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>
/// mmap, with the file's descriptor closed at once: a mapping needs no open file, and a session with many
/// pipes would otherwise run out of descriptors (issue 19: 127 pipes under `ulimit -n 400`).
/// </summary>
internal sealed unsafe class UnixMemoryMaps : IMemoryMaps
{
    private const int ProtRead = 1, ProtWrite = 2, MapShared = 1;   // the same on Linux and macOS
    private static readonly IntPtr MapFailed = new(-1);

    public byte* Map(string path, long size, out IDisposable? mapping)
    {
        mapping = null;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length < size) throw new IOException($"The file '{path}' is shorter ({file.Length} bytes) than the {size} bytes to map.");
        var address = mmap(IntPtr.Zero, (nuint)size, ProtRead | ProtWrite, MapShared, (int)file.SafeFileHandle.DangerousGetHandle(), 0);
        if (address == MapFailed)
            throw new IOException($"Could not map '{path}' into memory: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        return (byte*)address;
    }

    public void Unmap(byte* address, long size, IDisposable? mapping) => munmap((IntPtr)address, (nuint)size);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(IntPtr address, nuint length);
}
