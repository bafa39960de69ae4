using System.Runtime.InteropServices;

namespace Multiproc.Platform;

/// <summary>.NET alone: the child cancels the interrupt signal itself, and exits the ordinary way.</summary>
internal sealed class PortableProcessControl : IProcessControl
{
    private static PosixSignalRegistration? s_interrupt;

    // SIGINT, or Ctrl+C on Windows: cancelled, it neither ends the process nor reaches pwsh's own handler.
    public void IgnoreTerminalInterrupt() => s_interrupt ??= PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);

    public int ExitNow(int exitCode) => exitCode;
}
