using System.Management.Automation;
using Multiproc.Ipc;

namespace Multiproc.Processes;

/// <summary>A child's last frame: the exit code it is about to leave with, and its terminating error if any.</summary>
internal sealed record DoneReport(int ExitCode, ErrorRecord? Error)
{
    public void Write(WireWriter w)
    {
        w.WriteInt32(ExitCode);
        if (Error is not null) StreamRecord.Write(w, StreamKind.Error, Error);
    }

    public static DoneReport Read(WireReader r)
    {
        int exitCode = r.ReadInt32();
        return new DoneReport(exitCode, r.AtEnd ? null : (ErrorRecord)StreamRecord.Read(r).Record);
    }
}
