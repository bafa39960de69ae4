using System;
using System.ComponentModel;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Multiproc.Pipes;

/// <summary>What .NET does not offer for Unix sockets: socket pairs, and passing a socket to another process.</summary>
/// <remarks>
/// A pipe is a kernel socket pair, as in Python, so its messages go straight between the two processes.
/// A process that is handed an end gets the socket itself from the owner, as SCM_RIGHTS ancillary data.
/// Layouts and constants are Linux's (x64 and arm64 share them).
/// </remarks>
internal static unsafe class NativeSockets
{
    private const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    private const int ControlSize = 24;   // CMSG_SPACE(sizeof(int))

    public static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("Multiproc pipes pass sockets between processes the Linux way; this system is not Linux.");
    }

    /// <summary>Two connected stream sockets, closed on exec so that no child inherits them.</summary>
    public static (Socket First, Socket Second) CreatePair()
    {
        EnsureSupported();
        int* fds = stackalloc int[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw new Win32Exception(Marshal.GetLastWin32Error());
        return (Wrap(fds[0]), Wrap(fds[1]));
    }

    /// <summary>Sends one byte and, when <paramref name="passed"/> is given, that socket with it.</summary>
    public static void SendWithSocket(Socket via, byte status, Socket? passed)
    {
        byte data = status;
        byte* control = stackalloc byte[ControlSize];
        var iov = new IoVec { Base = &data, Length = 1 };
        var msg = new MsgHdr { Iov = &iov, IovLength = 1 };
        if (passed is not null)
        {
            new Span<byte>(control, ControlSize).Clear();
            *(nuint*)control = 20;                       // CMSG_LEN(sizeof(int))
            *(int*)(control + 8) = SOL_SOCKET;
            *(int*)(control + 12) = SCM_RIGHTS;
            *(int*)(control + 16) = (int)passed.Handle;
            msg.Control = control;
            msg.ControlLength = ControlSize;
        }
        if (sendmsg((int)via.Handle, &msg, 0) != 1) throw new Win32Exception(Marshal.GetLastWin32Error());
    }

    /// <summary>Receives what <see cref="SendWithSocket"/> sent: the status byte and the socket, if one came.</summary>
    public static (byte Status, Socket? Passed) ReceiveWithSocket(Socket via)
    {
        byte data = 0;
        byte* control = stackalloc byte[ControlSize];
        new Span<byte>(control, ControlSize).Clear();
        var iov = new IoVec { Base = &data, Length = 1 };
        var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlSize };
        var got = recvmsg((int)via.Handle, &msg, MSG_CMSG_CLOEXEC);
        if (got < 0) throw new Win32Exception(Marshal.GetLastWin32Error());
        if (got == 0) throw new SocketException((int)SocketError.ConnectionReset);
        bool hasSocket = msg.ControlLength >= 20 && *(int*)(control + 8) == SOL_SOCKET && *(int*)(control + 12) == SCM_RIGHTS;
        return (data, hasSocket ? Wrap(*(int*)(control + 16)) : null);
    }

    private static Socket Wrap(int fd) => new(new SafeSocketHandle((IntPtr)fd, ownsHandle: true));

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int socketpair(int domain, int type, int protocol, int* fds);

    [DllImport("libc", SetLastError = true)]
    private static extern nint sendmsg(int socket, MsgHdr* message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(int socket, MsgHdr* message, int flags);
}
