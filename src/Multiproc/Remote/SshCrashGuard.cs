using System;
using System.IO;
using System.Reflection;
using System.Threading;

namespace Multiproc.Remote;

/// <summary>
/// Keeps PowerShell's SSH transport from ending this process when a host dies under a running pipeline.
/// </summary>
/// <remarks>
/// pwsh 7.6's SSHClientSessionTransportManager, when its ssh process ends, closes the stdin writer it
/// failed to write a last message into; the flush throws IOException ("Broken pipe") on its error thread,
/// which nothing catches, and the runtime ends the process (measured: 2 runs in 3 when a host's sshd is
/// killed under a remote pipeline, with or without Multiproc). .NET 10's unhandled-exception handler takes
/// that one exception, and only it; the session it leaves looks open, so <see cref="Swallowed"/> tells the
/// hosts to check their agents' heartbeats at once. On older runtimes there is no such handler.
/// </remarks>
internal static class SshCrashGuard
{
    private static int s_installed;

    /// <summary>Raised (on the dying transport's thread) when the guard took such an exception.</summary>
    public static event Action? Swallowed;

    /// <summary>Whether the guard is in place: this runtime has the handler, and nobody else set one first.</summary>
    public static bool IsInstalled { get; private set; }

    public static void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 1) return;
        var setter = Type.GetType("System.Runtime.ExceptionServices.ExceptionHandling")?
            .GetMethod("SetUnhandledExceptionHandler", BindingFlags.Public | BindingFlags.Static, new[] { typeof(Func<Exception, bool>) });
        if (setter is null) return;
        try
        {
            setter.Invoke(null, new object[] { new Func<Exception, bool>(Take) });
            IsInstalled = true;
        }
        catch (TargetInvocationException) { /* the host set its own handler: leave it be */ }
    }

    private static bool Take(Exception e)
    {
        if (e is not IOException || e.StackTrace?.Contains("SSHClientSessionTransportManager.CloseConnection", StringComparison.Ordinal) != true) return false;
        try { Swallowed?.Invoke(); }
        catch (Exception) { /* never a second unhandled exception from here */ }
        return true;
    }
}
