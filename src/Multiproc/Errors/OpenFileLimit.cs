using System;
using System.ComponentModel;
using System.IO;
using System.Net.Sockets;

namespace Multiproc;

/// <summary>Tells a process that has run out of file descriptors from other failures, so that it is reported as what it is.</summary>
/// <remarks>
/// .NET reports it as an <see cref="IOException"/> whose HResult is the errno (Unix) or the Win32 error,
/// a <see cref="Win32Exception"/> from Process.Start, or a <see cref="SocketException"/>; each call site
/// that can meet it asks here first, and otherwise keeps its own error (issue 19).
/// </remarks>
internal static class OpenFileLimit
{
    private const int Emfile = 24, Enfile = 23, WindowsTooManyOpenFiles = 4;

    /// <summary>An <c>MpNoRoom</c> error when <paramref name="e"/> (or what caused it) is the limit; otherwise null.</summary>
    /// <param name="doing">What failed, as in "Could not {doing}".</param>
    public static MpNoRoomException? Error(Exception e, string doing) =>
        IsReached(e)
            ? new MpNoRoomException(
                $"Could not {doing}: this process has no file descriptor left ({e.Message}). " +
                "Close the pipes, pools and processes it no longer needs, or raise the limit (ulimit -n) before starting pwsh.", null, e)
            : null;

    private static bool IsReached(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            bool reached = e switch
            {
                SocketException s => s.SocketErrorCode == SocketError.TooManyOpenSockets,
                Win32Exception w => w.NativeErrorCode is Emfile or Enfile or WindowsTooManyOpenFiles,
                IOException io => io.HResult is Emfile or Enfile || io.HResult == unchecked((int)0x80070004),
                _ => false,
            };
            if (reached) return true;
        }
        return false;
    }
}
