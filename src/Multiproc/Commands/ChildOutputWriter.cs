using System.Management.Automation;
using System.Threading;
using Multiproc.Ipc;
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
            foreach (var item in process.TakeOutput(keep)) Emit(cmdlet, item);
            if (!wait || ended) return;
            if (!Timeouts.Wait(changed, Timeout.InfiniteTimeSpan, cancel)) return;
        }
    }

    private static void Emit(Cmdlet cmdlet, ChildOutput item)
    {
        switch (item.Stream)
        {
            case null: cmdlet.WriteObject(item.Value); break;
            case StreamKind.Error: cmdlet.WriteError((ErrorRecord)item.Value!); break;
            case StreamKind.Warning: cmdlet.WriteWarning(((WarningRecord)item.Value!).Message); break;
            case StreamKind.Verbose: cmdlet.WriteVerbose(((VerboseRecord)item.Value!).Message); break;
            case StreamKind.Debug: cmdlet.WriteDebug(((DebugRecord)item.Value!).Message); break;
            case StreamKind.Information: cmdlet.WriteInformation((InformationRecord)item.Value!); break;
        }
    }
}
