using System;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>
/// .NET alone: the child stays in its terminal's process group, so it turns a Ctrl+C meant for its
/// parent away itself, and it exits the ordinary way.
/// </summary>
internal sealed class PortableProcessControl : IProcessControl
{
    private static PosixSignalRegistration? s_interrupt, s_quit;

    // Cancelled, SIGINT does not end the process. pwsh's own Ctrl+C handler would still stop the running
    // pipeline, the worker's: it is taken off Console.CancelKeyPress, where pwsh puts it on Linux and macOS.
    // That also takes away .NET's own hold on SIGQUIT (Ctrl+\), which is cancelled here in its place.
    // A native command a task runs is in the terminal's process group too, and gets the signal as ever.
    public void IgnoreTerminalInterrupt()
    {
        s_interrupt ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        s_quit ??= PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
        var breakHandler = AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType("Microsoft.PowerShell.ConsoleHost", throwOnError: false))
            .FirstOrDefault(t => t is not null)
            ?.GetMethod("MyBreakHandler", BindingFlags.NonPublic | BindingFlags.Static, [typeof(object), typeof(ConsoleCancelEventArgs)]);
        if (breakHandler is not null)
            Console.CancelKeyPress -= (ConsoleCancelEventHandler)Delegate.CreateDelegate(typeof(ConsoleCancelEventHandler), breakHandler);
    }

    public int ExitNow(int exitCode) => exitCode;
}
