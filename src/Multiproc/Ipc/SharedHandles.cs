using System;
using System.Collections.Concurrent;

namespace Multiproc.Ipc;

/// <summary>Implemented by the objects that cross processes as live handles, never as copies.</summary>
internal interface ISharedHandle
{
    /// <summary>Names the reader registered with <see cref="SharedHandles.Register"/>.</summary>
    string HandleKind { get; }

    /// <summary>Writes what a process needs to reach the same object (its owner's endpoint and id).</summary>
    void WriteHandle(WireWriter writer);
}

/// <summary>Turns handle records back into working handles, by kind.</summary>
internal static class SharedHandles
{
    private static readonly ConcurrentDictionary<string, Func<WireReader, object>> s_readers = new();

    /// <summary>Each shared-object type registers how to rebuild its handle on the receiving side.</summary>
    public static void Register(string kind, Func<WireReader, object> read) => s_readers[kind] = read;

    public static object Read(string kind, WireReader reader) =>
        s_readers.TryGetValue(kind, out var read)
            ? read(reader)
            : throw new System.IO.InvalidDataException($"Unknown shared handle kind '{kind}'.");
}
