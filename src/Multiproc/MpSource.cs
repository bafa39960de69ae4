using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>
/// Where a record came from (SPEC §10): the `MpSource` note property of every error, warning, verbose,
/// debug and information record that a child or a pool task wrote.
/// </summary>
public sealed class MpSource
{
    internal MpSource(int processId, int? inputIndex, object? input, int attempt, string? hostName = null)
    {
        ProcessId = processId;
        HostName = hostName ?? ThisMachine;
        InputIndex = inputIndex;
        Input = input;
        Attempt = attempt;
    }

    /// <summary>This machine's name, read once: Environment.MachineName asks the system each time, and a pool names the machine of every result.</summary>
    internal static readonly string ThisMachine = Environment.MachineName;

    /// <summary>The process that wrote it: a worker, a child, or this one for an inline task.</summary>
    public int ProcessId { get; }

    /// <summary>The machine that process runs on: this one's name, or the name the pool was given for a host.</summary>
    public string HostName { get; }

    /// <summary>The input's position in its call (or among a Start-MpProcess command's inputs), from 0; null when it had none.</summary>
    public int? InputIndex { get; }

    /// <summary>The input the task or child was given as `$_`.</summary>
    public object? Input { get; }

    /// <summary>Which run of the task wrote it, from 1.</summary>
    public int Attempt { get; }

    /// <summary>The note property each record carries.</summary>
    internal const string PropertyName = "MpSource";

    /// <summary>Adds this as the MpSource note property of <paramref name="record"/>, unless it has one.</summary>
    internal T Tag<T>(T record) where T : class
    {
        var wrapped = PSObject.AsPSObject(record);
        if (wrapped.Properties[PropertyName] is null) wrapped.Properties.Add(new PSNoteProperty(PropertyName, this));
        return record;
    }

    public override string ToString() => InputIndex is { } index ? $"[{ProcessId}:{index}]" : $"[{ProcessId}]";
}
