using System;
using System.Management.Automation;

namespace Multiproc.Ipc;

/// <summary>Which PowerShell stream a record belongs to.</summary>
internal enum StreamKind : byte { Error = 1, Warning = 2, Verbose = 3, Debug = 4, Information = 5, Progress = 6 }

/// <summary>Carries error, warning, verbose, debug and information records between processes.</summary>
/// <remarks>
/// CliXml would deliver these as property bags; writing their fields lets the receiver rebuild real
/// records that it can re-emit on the same stream with the same error id, category and target.
/// </remarks>
internal static class StreamRecord
{
    public static void Write(WireWriter w, StreamKind kind, object record)
    {
        w.WriteByte((byte)kind);
        switch (record)
        {
            case ErrorRecord e: WriteError(w, e); break;
            case InformationRecord i: WriteInformation(w, i); break;
            case ProgressRecord p: WriteProgress(w, p); break;
            case InformationalRecord r: w.WriteString(r.Message); break;
            default: throw new ArgumentException($"Not a stream record: {record.GetType()}", nameof(record));
        }
    }

    public static (StreamKind Kind, object Record) Read(WireReader r)
    {
        var kind = (StreamKind)r.ReadByte();
        object record = kind switch
        {
            StreamKind.Error => ReadError(r),
            StreamKind.Warning => new WarningRecord(r.ReadString()),
            StreamKind.Verbose => new VerboseRecord(r.ReadString()),
            StreamKind.Debug => new DebugRecord(r.ReadString()),
            StreamKind.Information => ReadInformation(r),
            StreamKind.Progress => ReadProgress(r),
            _ => throw new System.IO.InvalidDataException($"Unknown stream kind {(byte)kind}."),
        };
        return (kind, record);
    }

    private static void WriteError(WireWriter w, ErrorRecord e)
    {
        w.WriteString(e.Exception?.GetType().FullName ?? "");
        w.WriteString(e.Exception?.Message ?? e.ToString());
        w.WriteString(e.FullyQualifiedErrorId ?? "");
        w.WriteInt32((int)e.CategoryInfo.Category);
        w.WriteString(e.CategoryInfo.Activity ?? "");
        w.WriteString(e.CategoryInfo.Reason ?? "");
        w.WriteString(e.CategoryInfo.TargetName ?? "");
        w.WriteString(e.CategoryInfo.TargetType ?? "");
        w.WriteString(e.ErrorDetails?.Message ?? "");
        w.WriteString(e.ScriptStackTrace ?? "");
        // The target is the caller's object; if it cannot cross, its text still tells what it was.
        var mark = new WireWriter();
        try { mark.WriteValue(e.TargetObject); }
        catch (MpSerializationException) { mark.Clear(); mark.WriteValue(e.TargetObject?.ToString()); }
        w.WriteBytes(mark.WrittenSpan);
    }

    private static ErrorRecord ReadError(WireReader r)
    {
        string exceptionType = r.ReadString(), message = r.ReadString(), errorId = r.ReadString();
        var category = (ErrorCategory)r.ReadInt32();
        string activity = r.ReadString(), reason = r.ReadString(), targetName = r.ReadString(),
            targetType = r.ReadString(), details = r.ReadString(), stackTrace = r.ReadString();
        var target = new WireReader(r.ReadBytes()).ReadValue();
        Exception exception = (Exception?)MpExceptions.Rebuild(exceptionType, message, target)
            ?? new RemoteException(message);
        var record = new ErrorRecord(exception, errorId, category, target);
        record.CategoryInfo.Activity = activity;
        record.CategoryInfo.Reason = reason;
        record.CategoryInfo.TargetName = targetName;
        record.CategoryInfo.TargetType = targetType;
        if (details.Length > 0) record.ErrorDetails = new ErrorDetails(details);
        if (stackTrace.Length > 0) exception.Data["ScriptStackTrace"] = stackTrace;
        return record;
    }

    private static void WriteProgress(WireWriter w, ProgressRecord p)
    {
        w.WriteInt32(p.ActivityId);
        w.WriteInt32(p.ParentActivityId);
        w.WriteString(p.Activity);
        w.WriteString(p.StatusDescription);
        w.WriteString(p.CurrentOperation ?? "");
        w.WriteInt32(p.PercentComplete);
        w.WriteInt32(p.SecondsRemaining);
        w.WriteByte((byte)p.RecordType);
    }

    private static ProgressRecord ReadProgress(WireReader r)
    {
        var record = new ProgressRecord(r.ReadInt32(), "-", "-") { ParentActivityId = r.ReadInt32() };
        string activity = r.ReadString(), status = r.ReadString(), operation = r.ReadString();
        if (activity.Length > 0) record.Activity = activity;
        if (status.Length > 0) record.StatusDescription = status;
        if (operation.Length > 0) record.CurrentOperation = operation;
        record.PercentComplete = r.ReadInt32();
        record.SecondsRemaining = r.ReadInt32();
        record.RecordType = (ProgressRecordType)r.ReadByte();
        return record;
    }

    private static void WriteInformation(WireWriter w, InformationRecord i)
    {
        w.WriteValue(i.MessageData);
        w.WriteString(i.Source ?? "");
        w.WriteInt32(i.Tags.Count);
        foreach (var tag in i.Tags) w.WriteString(tag);
        w.WriteInt64(i.TimeGenerated.ToBinary());
        w.WriteString(i.User ?? "");
        w.WriteString(i.Computer ?? "");
        w.WriteInt32((int)i.ProcessId);
    }

    private static InformationRecord ReadInformation(WireReader r)
    {
        var record = new InformationRecord(r.ReadValue(), r.ReadString());
        int tags = r.ReadInt32();
        for (int t = 0; t < tags; t++) record.Tags.Add(r.ReadString());
        record.TimeGenerated = DateTime.FromBinary(r.ReadInt64());
        record.User = r.ReadString();
        record.Computer = r.ReadString();
        record.ProcessId = (uint)r.ReadInt32();
        return record;
    }
}
