using System;
using System.Collections;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>What a pool call runs: the scriptblock's text, its `$using:` values and its arguments.</summary>
internal sealed record TaskDefinition(string Script, Hashtable UsingValues, object?[] Arguments);

/// <summary>Parent → worker: consecutive items of one call, with the call's definition the first time this worker sees it.</summary>
/// <remarks>
/// Layout: chunk id int64, call id int32, has definition, [its length, then script, using values,
/// arguments], count, items, has item arguments, [each item's arguments (an object array)], streams, has
/// host indexes, [an int32 per item]. The definition is sized so that a host's agent can keep it and give
/// it to each of its workers without reading it (<see cref="Remote.HostAgent"/>): it crosses to a host once.
/// </remarks>
internal sealed class TaskChunk
{
    public long ChunkId { get; init; }
    public int CallId { get; init; }
    public TaskDefinition? Definition { get; init; }
    /// <summary>Each item as it is on the wire (serialized once, when it was submitted).</summary>
    public byte[][] Items { get; init; } = Array.Empty<byte[]>();
    /// <summary>
    /// Arguments of an -Async lane's items, serialized: one array for all (<see cref="CommonArguments"/>
    /// on the worker's side), or one per item when they differ; null when the call's definition has them.
    /// </summary>
    public byte[][]? ItemArguments { get; init; }
    /// <summary>-HostPrefix: each item's input position, or -1 for an item whose host lines get no prefix; null when none do.</summary>
    public int[]? HostIndexes { get; init; }
    /// <summary>What a running item writes goes to the parent as it runs (see <see cref="PoolCall.Streams"/>).</summary>
    public bool Streams { get; init; }
    /// <summary>The worker's side: the items read back.</summary>
    public object?[] Values { get; private init; } = Array.Empty<object?>();
    /// <summary>The worker's side: each item's arguments read back, or null.</summary>
    public object?[]? ValueArguments { get; private init; }
    /// <summary>The worker's side: the arguments every item of the chunk shares, when they came once.</summary>
    public object?[]? CommonArguments { get; private init; }

    public void Write(WireWriter w)
    {
        w.WriteInt64(ChunkId);
        w.WriteInt32(CallId);
        w.WriteBool(Definition is not null);
        if (Definition is not null)
        {
            var definition = new WireWriter();
            definition.WriteString(Definition.Script);
            Processes.UsingValues.Write(definition, Definition.UsingValues);
            definition.WriteInt32(Definition.Arguments.Length);
            foreach (var argument in Definition.Arguments) definition.WriteValue(argument);
            w.WriteBytes(definition.WrittenSpan);
        }
        w.WriteInt32(Items.Length);
        foreach (var item in Items) w.WriteRaw(item);
        // 0: the definition's arguments; 1: one array for every item; 2: an array per item.
        bool shared = ItemArguments is { Length: > 0 } all && Array.TrueForAll(all, a => ReferenceEquals(a, all[0]));
        w.WriteByte((byte)(ItemArguments is null ? 0 : shared ? 1 : 2));
        if (ItemArguments is not null)
        {
            if (shared) w.WriteRaw(ItemArguments[0]);
            else foreach (var arguments in ItemArguments) w.WriteRaw(arguments);
        }
        w.WriteBool(Streams);
        w.WriteBool(HostIndexes is not null);
        if (HostIndexes is null) return;
        foreach (var index in HostIndexes) w.WriteInt32(index);
    }

    /// <summary>A chunk frame's call id and its definition as sent (null when it has none), read without reading the rest.</summary>
    public static (int CallId, byte[]? Definition) PeekDefinition(byte[] body)
    {
        var r = new WireReader(body);
        r.ReadInt64();
        int callId = r.ReadInt32();
        return (callId, r.ReadBool() ? r.ReadBytes() : null);
    }

    /// <summary>A chunk frame's body that had no definition, with <paramref name="definition"/> (as <see cref="PeekDefinition"/> gave it) put in.</summary>
    public static byte[] AddDefinition(byte[] body, byte[] definition)
    {
        const int header = 8 + 4;   // chunk id, call id; the has-definition byte follows
        var w = new WireWriter(body.Length + definition.Length + 8);
        w.WriteRaw(body.AsSpan(0, header));
        w.WriteBool(true);
        w.WriteBytes(definition);
        w.WriteRaw(body.AsSpan(header + 1));
        return w.ToArray();
    }

    public static TaskChunk Read(WireReader r)
    {
        long chunkId = r.ReadInt64();
        int callId = r.ReadInt32();
        TaskDefinition? definition = null;
        if (r.ReadBool())
        {
            var d = new WireReader(r.ReadBytes());
            var script = d.ReadString();
            var usingValues = (Hashtable)d.ReadValue()!;
            var arguments = new object?[d.ReadInt32()];
            for (int i = 0; i < arguments.Length; i++) arguments[i] = d.ReadValue();
            definition = new TaskDefinition(script, usingValues, arguments);
        }
        var values = new object?[r.ReadInt32()];
        for (int i = 0; i < values.Length; i++) values[i] = r.ReadValue();
        object?[]? valueArguments = null, commonArguments = null;
        switch (r.ReadByte())
        {
            case 1:
                commonArguments = (object?[]?)r.ReadValue();
                break;
            case 2:
                valueArguments = new object?[values.Length];
                for (int i = 0; i < values.Length; i++) valueArguments[i] = r.ReadValue();
                break;
        }
        bool streams = r.ReadBool();
        int[]? hostIndexes = null;
        if (r.ReadBool())
        {
            hostIndexes = new int[values.Length];
            for (int i = 0; i < values.Length; i++) hostIndexes[i] = r.ReadInt32();
        }
        return new TaskChunk
        {
            ChunkId = chunkId, CallId = callId, Definition = definition, Values = values,
            ValueArguments = valueArguments, CommonArguments = commonArguments, HostIndexes = hostIndexes, Streams = streams,
        };
    }
}
