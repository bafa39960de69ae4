using System.Collections.Generic;
using System.Management.Automation;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>Worker → parent: results of some items of a chunk, in item order; the last message of a chunk says so.</summary>
/// <remarks>
/// Layout: chunk id int64, finished bool, [run seconds double], count, then per item: index int32,
/// entry count, entries (0 and a value, or a stream record), failed bool, [error record], how long it ran
/// (TimeSpan ticks int64; 0 for a part of an item's output sent while it runs).
/// </remarks>
internal static class ChunkResults
{
    private const byte Output = 0;

    public static void WriteHeader(WireWriter w, long chunkId, bool finished, double runSeconds, int count)
    {
        w.WriteInt64(chunkId);
        w.WriteBool(finished);
        if (finished) w.WriteDouble(runSeconds);
        w.WriteInt32(count);
    }

    /// <summary>An output object, serialized already.</summary>
    public static void WriteOutput(WireWriter w, byte[] value)
    {
        w.WriteByte(Output);
        w.WriteRaw(value);
    }

    /// <summary>One item's result: its index, its <paramref name="count"/> entries (written already), whether it failed and how, and how long it ran.</summary>
    public static void WriteItem(WireWriter w, int index, int count, System.ReadOnlySpan<byte> entries, ErrorRecord? failure, System.TimeSpan duration)
    {
        w.WriteInt32(index);
        w.WriteInt32(count);
        w.WriteRaw(entries);
        WriteFailure(w, failure);
        w.WriteInt64(duration.Ticks);
    }

    private static void WriteFailure(WireWriter w, ErrorRecord? failure)
    {
        w.WriteBool(failure is not null);
        if (failure is not null) StreamRecord.Write(w, StreamKind.Error, failure);
    }

    /// <summary>Reads a message: the chunk, whether it finished (and how long it ran), and the items' results by index.</summary>
    public static (long ChunkId, double? RunSeconds, List<(int Index, ItemResult Result)> Items) Read(WireReader r)
    {
        long chunkId = r.ReadInt64();
        double? runSeconds = r.ReadBool() ? r.ReadDouble() : null;
        return (chunkId, runSeconds, ReadItems(r, r.ReadInt32()));
    }

    /// <summary>Reads <paramref name="count"/> items' results, as a message or a worker's <see cref="ResultLedger"/> holds them.</summary>
    public static List<(int Index, ItemResult Result)> ReadItems(WireReader r, int count)
    {
        var items = new List<(int, ItemResult)>(count);
        for (int i = 0; i < count; i++)
        {
            int index = r.ReadInt32();
            var result = new ItemResult();
            int entries = r.ReadInt32();
            for (int e = 0; e < entries; e++)
            {
                if (r.PeekByte() == Output)
                {
                    r.ReadByte();
                    result.Entries.Add((null, r.ReadValue()));
                }
                else
                {
                    var (kind, record) = StreamRecord.Read(r);
                    result.Entries.Add((kind, record));
                }
            }
            if (r.ReadBool()) result.Failure = (ErrorRecord)StreamRecord.Read(r).Record;
            result.Duration = new System.TimeSpan(r.ReadInt64());
            items.Add((index, result));
        }
        return items;
    }
}
