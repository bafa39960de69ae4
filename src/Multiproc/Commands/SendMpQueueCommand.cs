using System;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Puts each pipeline input into a queue: `1..100 | Send-MpQueue $q -Complete`.</summary>
[Cmdlet(VerbsCommunications.Send, "MpQueue")]
[OutputType(typeof(void))]
public sealed class SendMpQueueCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public MpQueue Queue { get; set; } = null!;

    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    /// <summary>Seconds to wait for room in a bounded queue, for each item.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    /// <summary>Marks the queue complete after the last input.</summary>
    [Parameter]
    public SwitchParameter Complete { get; set; }

    protected override void ProcessRecord()
    {
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(InputObject))) return;
        try
        {
            Queue.Put(InputObject, Timeouts.FromSeconds(Timeout), StopToken);
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (Exception e) when (e is MpSerializationException or MpTimeoutException)
        {
            // This item did not go in; the next one may.
            WriteError((MpException)e);
        }
        catch (MpException e) { ThrowTerminating(e); }
    }

    protected override void EndProcessing()
    {
        if (!Complete) return;
        try { Queue.Complete(); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
