using System;
using System.Collections.Generic;
using Multiproc.Ipc;

namespace Multiproc;

/// <summary>Implemented by the objects that cross processes as live handles, never as copies.</summary>
internal interface ISharedHandle
{
    /// <summary>Names the reader in <see cref="SharedHandles"/>.</summary>
    string HandleKind { get; }

    /// <summary>Writes what a process needs to reach the same object (its owner's endpoint and id).</summary>
    void WriteHandle(WireWriter writer);
}

/// <summary>Turns handle records back into working handles, by kind.</summary>
internal static class SharedHandles
{
    private static readonly Dictionary<string, Func<WireReader, object>> s_readers = new()
    {
        [MpQueue.Kind] = MpQueue.ReadHandle,
        [MpPipeEnd.Kind] = MpPipeEnd.ReadHandle,
        [MpLock.KindName] = MpLock.ReadHandle,
        [MpSemaphore.KindName] = MpSemaphore.ReadHandle,
        [MpEvent.KindName] = MpEvent.ReadHandle,
        [MpBarrier.KindName] = MpBarrier.ReadHandle,
        [MpDictionary.KindName] = MpDictionary.ReadHandle,
        [MpList.KindName] = MpList.ReadHandle,
        [MpManager.KindName] = MpManager.ReadHandle,
    };

    public static object Read(string kind, WireReader reader) =>
        s_readers.TryGetValue(kind, out var read)
            ? read(reader)
            : throw new System.IO.InvalidDataException($"Unknown shared handle kind '{kind}'.");
}
