using System;
using System.Collections;
using System.Collections.Generic;
using Multiproc.Ipc;

namespace Multiproc.Processes;

/// <summary>Everything a child needs to run one scriptblock as its caller would expect.</summary>
internal sealed class JobSpec
{
    /// <summary>The child's MpProcess name, for `Get-MpProcess -Current`.</summary>
    public string Name { get; init; } = "";
    public int ParentId { get; init; }
    /// <summary>The scriptblock's text, with each `$using:x` rewritten to a variable in <see cref="UsingValues"/>.</summary>
    public string Script { get; init; } = "";
    public object?[] Arguments { get; init; } = Array.Empty<object?>();
    public bool HasInput { get; init; }
    /// <summary>The pipeline input object: `$_` and `$input` in the child.</summary>
    public object? Input { get; init; }
    /// <summary>Rewritten variable name → the caller's value.</summary>
    public Hashtable UsingValues { get; init; } = new();
    /// <summary>A process's -InitializationScript, run in the global scope before <see cref="Script"/>; empty for none (a pool worker's is its Script).</summary>
    public string InitializationScript { get; init; } = "";
    /// <summary>Its `$using:` values, named as in <see cref="UsingValues"/> but apart from them.</summary>
    public Hashtable InitializationUsingValues { get; init; } = new();
    /// <summary>Function name → definition text.</summary>
    public Hashtable Functions { get; init; } = new();
    public string[] Modules { get; init; } = Array.Empty<string>();
    /// <summary>
    /// The whole environment the child runs with (the caller's, with -Environment applied); names are
    /// case-sensitive. Null for a worker on another host, which keeps the environment it starts with there.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; } = new Dictionary<string, string>();
    public string WorkingDirectory { get; init; } = "";
    /// <summary>
    /// Where the child's shared objects made without -Manager live: the session's default manager, which
    /// the caller starts when it builds the spec if it has none yet (a child's own would die with it).
    /// </summary>
    public MpManager? DefaultManager { get; init; }

    public void Write(WireWriter w)
    {
        w.WriteString(Name);
        w.WriteInt32(ParentId);
        w.WriteString(Script);
        w.WriteInt32(Arguments.Length);
        foreach (var argument in Arguments) w.WriteValue(argument);   // one by one, so an error names the argument
        w.WriteBool(HasInput);
        w.WriteValue(Input);
        Processes.UsingValues.Write(w, UsingValues);
        w.WriteString(InitializationScript);
        Processes.UsingValues.Write(w, InitializationUsingValues);
        w.WriteValue(Functions);
        w.WriteValue(Modules);
        w.WriteInt32(Environment?.Count ?? -1);
        foreach (var (name, value) in Environment ?? new Dictionary<string, string>())
        {
            w.WriteString(name);
            w.WriteString(value);
        }
        w.WriteString(WorkingDirectory);
        w.WriteValue(DefaultManager);
    }

    /// <summary>
    /// This pool worker's setup for a worker on another host: what is this machine's (its environment,
    /// current folder and default manager) stays here.
    /// </summary>
    public JobSpec ForAnotherHost() => new()
    {
        Name = Name,
        ParentId = ParentId,
        Script = Script,
        Arguments = Arguments,
        HasInput = HasInput,
        Input = Input,
        UsingValues = UsingValues,
        InitializationScript = InitializationScript,
        InitializationUsingValues = InitializationUsingValues,
        Functions = Functions,
        Modules = Modules,
        Environment = null,
    };

    public static JobSpec Read(WireReader r) => new()
    {
        Name = r.ReadString(),
        ParentId = r.ReadInt32(),
        Script = r.ReadString(),
        Arguments = ReadArguments(r),
        HasInput = r.ReadBool(),
        Input = r.ReadValue(),
        UsingValues = (Hashtable)r.ReadValue()!,
        InitializationScript = r.ReadString(),
        InitializationUsingValues = (Hashtable)r.ReadValue()!,
        Functions = (Hashtable)r.ReadValue()!,
        Modules = (string[])r.ReadValue()!,
        Environment = ReadEnvironment(r),
        WorkingDirectory = r.ReadString(),
        DefaultManager = (MpManager?)r.ReadValue(),
    };

    private static object?[] ReadArguments(WireReader r)
    {
        var arguments = new object?[r.ReadInt32()];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = r.ReadValue();
        return arguments;
    }

    private static Dictionary<string, string>? ReadEnvironment(WireReader r)
    {
        int count = r.ReadInt32();
        if (count < 0) return null;
        var environment = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++) environment[r.ReadString()] = r.ReadString();
        return environment;
    }
}
