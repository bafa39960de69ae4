using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Threading;

namespace Multiproc;

/// <summary>Ctrl+C for the methods that wait (`$q.Get()`, `$lock.Acquire()`, ...) when called at the console.</summary>
/// <remarks>
/// PowerShell stops a cmdlet on Ctrl+C, but never a .NET method it is in: a method waiting forever would
/// ignore Ctrl+C for good. So a method that waits in the console's runspace also wakes on the console's
/// cancel key (SIGINT on Unix), and the statement ends as a stopped pipeline does; the object stays
/// usable. Other runspaces (thread jobs, hosted PowerShell) are not the console's, and are left waiting.
/// </remarks>
internal static class MethodInterrupt
{
    private static CancellationTokenSource s_nextPress = new();
    private static int s_subscribed;
    private static readonly PropertyInfo? PrimaryRunspace =
        typeof(Runspace).GetProperty("PrimaryRunspace", BindingFlags.Public | BindingFlags.Static);

    /// <summary>Waits with <paramref name="wait"/>; a wait that Ctrl+C ended throws PipelineStoppedException.</summary>
    public static T Wait<T>(Func<CancellationToken, T> wait)
    {
        var token = Token();
        try { return wait(token); }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { throw new PipelineStoppedException(); }
    }

    /// <summary>As <see cref="Wait{T}"/>, for a wait that returns false when it ends without success (Ctrl+C included).</summary>
    public static bool WaitFor(Func<CancellationToken, bool> wait)
    {
        var token = Token();
        bool done;
        try { done = wait(token); }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { throw new PipelineStoppedException(); }
        if (!done && token.IsCancellationRequested) throw new PipelineStoppedException();
        return done;
    }

    /// <summary>
    /// Cancelled by the next Ctrl+C when called from the console's runspace; otherwise never. A command that
    /// Ctrl+C stopped and that waits for its work to stop takes it: a second Ctrl+C hurries that along.
    /// </summary>
    public static CancellationToken Token()
    {
        if (!IsConsoleRunspace()) return CancellationToken.None;
        if (Interlocked.Exchange(ref s_subscribed, 1) == 0) Console.CancelKeyPress += (_, _) => Interlocked.Exchange(ref s_nextPress, new()).Cancel();
        return Volatile.Read(ref s_nextPress).Token;
    }

    private static bool IsConsoleRunspace()
    {
        if (Runspace.DefaultRunspace is not { } current) return false;
        // Runspace.PrimaryRunspace (PowerShell 7) is the host's; the reference assemblies predate it.
        return PrimaryRunspace?.GetValue(null) is Runspace primary ? primary == current : current.Id == 1;
    }
}
