using System;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Acquires a lock or a semaphore slot for this process; a timeout fails with MpTimeout.</summary>
[Cmdlet(VerbsCommon.Enter, "MpLock")]
[OutputType(typeof(void))]
public sealed class EnterMpLockCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpLockable Lock { get; set; } = null!;

    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    protected override void ProcessRecord()
    {
        try
        {
            Lock.Enter(Timeout, StopToken, ". Wait longer, or find who holds it.");
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
