using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a lock that processes of the session share, as Python's Lock (or RLock with -Recursive).</summary>
[Cmdlet(VerbsCommon.New, "MpLock")]
[OutputType(typeof(MpLock))]
public sealed class NewMpLockCommand : MpCmdlet
{
    /// <summary>The process holding it may enter it again, and must leave it as often.</summary>
    [Parameter]
    public SwitchParameter Recursive { get; set; }

    protected override void EndProcessing() => WriteObject(new MpLock(Recursive));
}
