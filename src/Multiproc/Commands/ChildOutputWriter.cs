using System.Management.Automation;
using System.Threading;
using Multiproc.Processes;

namespace Multiproc.Commands;

/// <summary>Re-emits what a child produced on the caller's streams; shared by Receive-MpProcess and Start-MpProcess -Wait.</summary>
internal static class ChildOutputWriter
{
    /// <summary>Emits the process's waiting output; with <paramref name="wait"/>, until it has ended and all is emitted.</summary>
    public static void Receive(Cmdlet cmdlet, MpProcess process, bool wait, bool keep, CancellationToken cancel)
    {
        if (wait && keep)
        {
            // Kept output would be emitted again on every pass: wait for the end, then emit it once.
            if (!Timeouts.Wait(process.Ended, Timeout.InfiniteTimeSpan, cancel)) return;
            wait = false;
        }
        while (true)
        {
            var changed = process.NextChange();
            bool ended = process.Ended.IsCompleted;   // read before taking output, so nothing arrives unseen
            foreach (var item in process.TakeOutput(keep)) StreamOutput.Write(cmdlet, item.Stream, item.Value, process.Source);
            if (!wait || ended) return;
            if (!Timeouts.Wait(changed, Timeout.InfiniteTimeSpan, cancel)) return;
        }
    }
}
