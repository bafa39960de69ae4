using System;

namespace Multiproc.Pool;

/// <summary>A chunk a worker has been sent: which items, and how many of them have their results.</summary>
internal sealed class SentChunk
{
    public SentChunk(long id, PoolCall call, PoolItem[] items)
    {
        Id = id;
        Call = call;
        Items = items;
        HasTimeout = call.IsLane ? Array.Exists(items, i => i.Policy.TaskTimeout is not null) : call.Policy.TaskTimeout is not null;
    }

    /// <summary>Some of its items have a -TaskTimeout: the pool watches the worker while it runs them.</summary>
    public bool HasTimeout { get; }

    public long Id { get; }
    public PoolCall Call { get; }
    public PoolItem[] Items { get; }
    public int Resulted { get; set; }
}
