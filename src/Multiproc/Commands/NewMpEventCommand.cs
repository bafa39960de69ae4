using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes an event that processes of the session share, as Python's Event.</summary>
[Cmdlet(VerbsCommon.New, "MpEvent")]
[OutputType(typeof(MpEvent))]
public sealed class NewMpEventCommand : MpCmdlet
{
    protected override void EndProcessing() => WriteObject(new MpEvent());
}
