using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a pipe and writes its two ends: `$a, $b = New-MpPipe`.</summary>
[Cmdlet(VerbsCommon.New, "MpPipe")]
[OutputType(typeof(MpPipeEnd))]
public sealed class NewMpPipeCommand : MpCmdlet
{
    /// <summary>One way only: the first end receives, the second sends.</summary>
    [Parameter]
    public SwitchParameter Simplex { get; set; }

    protected override void EndProcessing()
    {
        var (first, second) = MpPipeEnd.CreatePair(duplex: !Simplex);
        WriteObject(first);
        WriteObject(second);
    }
}
