using System;
using System.Management.Automation;
using System.Threading;

namespace Multiproc.Commands;

/// <summary>Base of every Multiproc cmdlet: Ctrl+C cancels <see cref="StopToken"/>, and module errors keep their ids.</summary>
public abstract class MpCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationToken _firstCtrlC, _secondCtrlC;   // the presses after this command started, at the console

    protected MpCmdlet()
    {
        // Taken now, on the pipeline thread: the command may be disposed on another.
        int presses = MethodInterrupt.Presses;
        _firstCtrlC = MethodInterrupt.UntilPress(presses + 1);
        _secondCtrlC = MethodInterrupt.UntilPress(presses + 2);
    }

    /// <summary>Cancelled by Ctrl+C ("Stopping" is taken by Cmdlet); every wait takes it.</summary>
    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>
    /// For a command that, once stopped, waits for what it started to stop: cancelled by the Ctrl+C after
    /// the one that stopped it (the next one, when something else stopped it), at the console.
    /// </summary>
    private protected CancellationToken NextCtrlC => _firstCtrlC.IsCancellationRequested ? _secondCtrlC : _firstCtrlC;

    /// <summary>Throws the module exception as this cmdlet's terminating error: `MpTimeout,Multiproc.Commands.X`.</summary>
    protected void ThrowTerminating(MpException e) => ThrowTerminatingError(new ErrorRecord(e.ErrorRecord, e));

    /// <summary>Writes the module exception as a non-terminating error; the next input goes on.</summary>
    protected void WriteError(MpException e) => WriteError(new ErrorRecord(e.ErrorRecord, e));

    /// <summary>Frees what the command holds; runs once, after success, failure or Ctrl+C.</summary>
    protected virtual void Release() { }

    public void Dispose()
    {
        Release();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
