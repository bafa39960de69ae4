using System;
using System.Management.Automation;
using System.Reflection;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>
/// Writes what a child or a task produced on the caller's streams, each record tagged with where it came
/// from (SPEC §10); the one output path of Receive-MpProcess, Start-MpProcess -Wait, Invoke-MpPool and
/// Receive-MpTask.
/// </summary>
internal static class StreamOutput
{
    // Cmdlet.WriteWarning (and Verbose, Debug) take text and make a new record, which would lose the tag:
    // the command runtime's own overloads take the record. Where they are missing, the text goes alone.
    private static readonly Type? s_runtime = typeof(PSObject).Assembly.GetType("System.Management.Automation.MshCommandRuntime");
    private static readonly MethodInfo? s_writeWarning = RecordWriter(typeof(WarningRecord));
    private static readonly MethodInfo? s_writeVerbose = RecordWriter(typeof(VerboseRecord));
    private static readonly MethodInfo? s_writeDebug = RecordWriter(typeof(DebugRecord));

    public static void Write(Cmdlet cmdlet, StreamKind? stream, object? value, MpSource source)
    {
        switch (stream)
        {
            case null: cmdlet.WriteObject(value); break;
            case StreamKind.Error: WriteError(cmdlet, source.Tag((ErrorRecord)value!), IsVerdict((ErrorRecord)value!), source); break;
            case StreamKind.Warning: WriteRecord(cmdlet, s_writeWarning, source.Tag((WarningRecord)value!), cmdlet.WriteWarning); break;
            case StreamKind.Verbose: WriteRecord(cmdlet, s_writeVerbose, source.Tag((VerboseRecord)value!), cmdlet.WriteVerbose); break;
            case StreamKind.Debug: WriteRecord(cmdlet, s_writeDebug, source.Tag((DebugRecord)value!), cmdlet.WriteDebug); break;
            case StreamKind.Progress: cmdlet.WriteProgress((ProgressRecord)value!); break;
            case StreamKind.Information:
                var information = source.Tag((InformationRecord)value!);
                var tag = $"mp:pid={source.ProcessId}";
                if (!information.Tags.Contains(tag)) information.Tags.Add(tag);
                cmdlet.WriteInformation(information);
                break;
        }
    }

    /// <summary>Writes a task's output and records, then its failure; for Invoke-MpPool and Receive-MpTask.</summary>
    public static void WriteResult(Cmdlet cmdlet, ItemResult result, int inputIndex, object? input)
    {
        MpSource? source = null;   // made only when a record needs it: most results are output alone
        foreach (var (stream, value) in result.Entries)
        {
            if (stream is null) cmdlet.WriteObject(value);
            else Write(cmdlet, stream, value, source ??= result.SourceOf(inputIndex, input));
        }
        if (result.Failure is { } own && result.FailureFor(inputIndex, input) is { } failure)
            WriteError(cmdlet, failure, IsVerdict(own), source ?? result.SourceOf(inputIndex, input));
    }

    /// <summary>
    /// A record the task or child wrote keeps its own FullyQualifiedErrorId, as a job's does: PowerShell
    /// appends the writing cmdlet to the id when it stamps the record with its invocation, so that step is
    /// skipped for it. The module's verdicts on a task or child are this cmdlet's errors and name it.
    /// </summary>
    private static void WriteError(Cmdlet cmdlet, ErrorRecord record, bool verdict, MpSource source)
    {
        if (!verdict)
        {
            s_preserveInvocation?.SetValue(record, true);
            SayWhere(record, source);   // a verdict's message says it already
        }
        cmdlet.WriteError(record);
    }

    /// <summary>
    /// The message a person reads ends with the input and process the record came from, as in
    /// `Invoke-MpPool: bad item (input 3, process 4711)`; the exception's own message stays as thrown.
    /// </summary>
    private static void SayWhere(ErrorRecord record, MpSource source)
    {
        string where = source.Input is null ? $" (process {source.ProcessId})" : $" (input {Shorten(source.Input)}, process {source.ProcessId})";
        string message = record.ErrorDetails?.Message is { Length: > 0 } details ? details : record.Exception.Message;
        if (message.EndsWith(where, StringComparison.Ordinal)) return;   // written before (Receive-MpProcess -Keep)
        record.ErrorDetails = new ErrorDetails(message + where) { RecommendedAction = record.ErrorDetails?.RecommendedAction };
    }

    private static string Shorten(object input)
    {
        const int Longest = 40;
        string text;
        try { text = LanguagePrimitives.ConvertTo<string>(input) ?? ""; }
        catch (Exception) { text = input.GetType().Name; }
        text = text.ReplaceLineEndings(" ");
        return text.Length <= Longest ? text : string.Concat(text.AsSpan(0, Longest - 1), "…");
    }

    // What the module decided about a task or child (it timed out, its worker was lost, its pool closed) rather than what it wrote.
    private static bool IsVerdict(ErrorRecord record) => record.Exception is MpTaskTimeoutException or MpWorkerLostException or MpPoolClosedException;

    private static readonly PropertyInfo? s_preserveInvocation =
        typeof(ErrorRecord).GetProperty("PreserveInvocationInfoOnce", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);

    private static void WriteRecord(Cmdlet cmdlet, MethodInfo? write, InformationalRecord record, Action<string> writeText)
    {
        if (write is not null && cmdlet.CommandRuntime is { } runtime && runtime.GetType() == s_runtime)
            write.Invoke(runtime, BindingFlags.DoNotWrapExceptions, null, new object[] { record, false }, null);   // -WarningAction Stop throws as it would
        else writeText(record.Message);
    }

    private static MethodInfo? RecordWriter(Type recordType) =>
        s_runtime?.GetMethod("Write" + recordType.Name.Replace("Record", ""), BindingFlags.Instance | BindingFlags.NonPublic,
            null, new[] { recordType, typeof(bool) }, null);
}
