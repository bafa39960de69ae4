using System.Management.Automation;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Emits what a pool task produced on the caller's streams; shared by Invoke-MpPool and Receive-MpTask.</summary>
internal static class PoolOutputWriter
{
    public static void Emit(Cmdlet cmdlet, ItemResult result, object? input)
    {
        foreach (var (stream, value) in result.Entries)
        {
            switch (stream)
            {
                case null: cmdlet.WriteObject(value); break;
                case StreamKind.Error: cmdlet.WriteError((ErrorRecord)value!); break;
                case StreamKind.Warning: cmdlet.WriteWarning(((WarningRecord)value!).Message); break;
                case StreamKind.Verbose: cmdlet.WriteVerbose(((VerboseRecord)value!).Message); break;
                case StreamKind.Debug: cmdlet.WriteDebug(((DebugRecord)value!).Message); break;
                case StreamKind.Information: cmdlet.WriteInformation((InformationRecord)value!); break;
            }
        }
        if (result.FailureFor(input) is { } failure) cmdlet.WriteError(failure);
    }
}
