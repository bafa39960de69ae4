using System;
using System.Management.Automation;
using Multiproc.Ipc;

namespace Multiproc.Commands;

/// <summary>Takes items from a queue: one, a number of them, or all until the queue is complete and drained.</summary>
[Cmdlet(VerbsCommunications.Receive, "MpQueue", DefaultParameterSetName = "One")]
[OutputType(typeof(object))]
public sealed class ReceiveMpQueueCommand : MpReceiveCmdlet
{
    /// <summary>How many items a wait for many may take at once.</summary>
    private const int Batch = 1000;

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpQueue Queue { get; set; } = null!;

    protected override void ProcessRecord()
    {
        var timeout = Timeouts.FromSeconds(Timeout);
        try
        {
            for (long wanted = Wanted; wanted > 0;)
            {
                byte[][] items;
                try { items = Queue.Take((int)Math.Min(wanted, Batch), timeout, StopToken); }
                catch (MpQueueCompletedException) when (All) { return; }
                foreach (var item in items) WriteObject(Serializer.Read(item));
                wanted -= items.Length;
            }
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
