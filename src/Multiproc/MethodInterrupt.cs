using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.InteropServices;
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
    private static readonly object s_gate = new();
    private static Press s_next = new();   // guarded by s_gate: the press to come
    private static int s_presses;          // guarded by s_gate: presses seen since the first wait asked
    private static int s_subscribed;
    private static readonly PropertyInfo? PrimaryRunspace =
        typeof(Runspace).GetProperty("PrimaryRunspace", BindingFlags.Public | BindingFlags.Static);
    [ThreadStatic] private static Runspace? t_runspace;   // the runspace this thread ran last time it asked,
    [ThreadStatic] private static bool t_isConsole;        // and whether it is the console's: asked once, not per call

    /// <summary>A Ctrl+C to come, and the one after it once someone asks.</summary>
    private sealed class Press
    {
        public readonly CancellationTokenSource Happened = new();
        public Press? Next;
    }

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

    /// <summary>Cancelled by the next Ctrl+C when called from the console's runspace; otherwise never.</summary>
    /// <remarks>On every waiting method's path: no lock, no allocation.</remarks>
    public static CancellationToken Token()
    {
        if (!IsConsoleRunspace()) return CancellationToken.None;
        Subscribe();
        return Volatile.Read(ref s_next).Happened.Token;
    }

    /// <summary>How many times Ctrl+C was pressed at the console so far.</summary>
    public static int Presses
    {
        get
        {
            Subscribe();
            lock (s_gate) return s_presses;
        }
    }

    // SIGINT itself (a console's Ctrl+C event on Windows), not Console.CancelKeyPress: subscribing to that sets
    // up .NET's whole terminal layer in a process whose host did not, which cost the queue ~15% a message.
    // The signal's default is left to the host: this handler never cancels it.
    private static PosixSignalRegistration? s_registration;

    private static void Subscribe()
    {
        if (Volatile.Read(ref s_subscribed) == 0 && Interlocked.Exchange(ref s_subscribed, 1) == 0)
            s_registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => OnPress());
    }

    /// <summary>
    /// Cancelled once Ctrl+C has been pressed <paramref name="count"/> times in all, when called from the
    /// console's runspace; otherwise never. A command that Ctrl+C stopped, and that waits for what it
    /// started to stop, takes the press after that one: a second Ctrl+C hurries the stop along.
    /// </summary>
    public static CancellationToken UntilPress(int count)
    {
        if (!IsConsoleRunspace()) return CancellationToken.None;
        lock (s_gate)
        {
            if (count <= s_presses) return new CancellationToken(canceled: true);
            var press = s_next;
            for (int n = s_presses + 1; n < count; n++) press = press.Next ??= new Press();
            return press.Happened.Token;
        }
    }

    private static void OnPress()
    {
        Press pressed;
        lock (s_gate)
        {
            s_presses++;
            pressed = s_next;
            Volatile.Write(ref s_next, pressed.Next ??= new Press());
        }
        pressed.Happened.Cancel();
    }

    private static bool IsConsoleRunspace()
    {
        if (Runspace.DefaultRunspace is not { } current) return false;
        if (!ReferenceEquals(current, t_runspace))
        {
            // Runspace.PrimaryRunspace (PowerShell 7) is the host's; the reference assemblies predate it.
            t_isConsole = PrimaryRunspace?.GetValue(null) is Runspace primary ? primary == current : current.Id == 1;
            t_runspace = current;
        }
        return t_isConsole;
    }
}
