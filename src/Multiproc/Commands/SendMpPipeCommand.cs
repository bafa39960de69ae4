using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Sends each pipeline input through a pipe end: `1..10 | Send-MpPipe $a`.</summary>
[Cmdlet(VerbsCommunications.Send, "MpPipe")]
[OutputType(typeof(void))]
public sealed class SendMpPipeCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public MpPipeEnd Pipe { get; set; } = null!;

    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(InputObject))) return;
        try { Pipe.Send(InputObject); }
        catch (MpSerializationException e) { WriteError(e); }   // this item cannot cross; the next may
        catch (MpException e) { ThrowTerminating(e); }
    }
}
