namespace Multiproc.Pool;

/// <summary>A chunk a worker has been sent: which items, and how many of them have their results.</summary>
internal sealed class SentChunk
{
    public SentChunk(long id, PoolCall call, PoolItem[] items)
    {
        Id = id;
        Call = call;
        Items = items;
    }

    public long Id { get; }
    public PoolCall Call { get; }
    public PoolItem[] Items { get; }
    public int Resulted { get; set; }
}
