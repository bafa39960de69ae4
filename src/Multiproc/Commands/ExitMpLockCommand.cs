using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Releases a lock or a semaphore slot this process holds; MpLockNotHeld when it holds none.</summary>
[Cmdlet(VerbsCommon.Exit, "MpLock")]
[OutputType(typeof(void))]
public sealed class ExitMpLockCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpLockable Lock { get; set; } = null!;

    protected override void ProcessRecord()
    {
        try { Lock.Release(); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
