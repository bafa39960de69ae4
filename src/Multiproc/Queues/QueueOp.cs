namespace Multiproc.Queues;

/// <summary>What a client asks of a queue's owner. Wire format: append, never renumber.</summary>
internal enum QueueOp : byte
{
    /// <summary>Call: start using the queue; answers whether it is complete. Notices follow from then on.</summary>
    Attach = 1,
    /// <summary>Call: timeout (double seconds), item; answers once the item is in (a bounded queue may wait).</summary>
    Put = 2,
    /// <summary>Post: item, for an unbounded queue; no answer, so a loop of puts streams.</summary>
    PutStreamed = 3,
    /// <summary>Call: max count (int32), timeout; answers loan id (int64), count (int32), items.</summary>
    Get = 4,
    /// <summary>Post: loan id; the client got the items of that loan: they are gone from the queue.</summary>
    Confirm = 5,
    /// <summary>Post: loan id; the client gives the items back (it was cancelled): they go first again.</summary>
    GiveBack = 6,
    /// <summary>Call: no more puts.</summary>
    Complete = 7,
    /// <summary>Post: the client saw the Completed notice; every streamed put it sent before is in.</summary>
    CompletedSeen = 8,
    /// <summary>Call: answers the count (int32) and whether the queue is complete.</summary>
    State = 9,
    /// <summary>Call: max count (int32); answers as <see cref="Get"/> at once, with no items (loan 0) when there are none.</summary>
    TryGet = 10,
}

/// <summary>What a queue's owner tells its clients.</summary>
internal enum QueueNotice : byte
{
    /// <summary>Complete() was called; answer with <see cref="QueueOp.CompletedSeen"/>.</summary>
    Completed = 1,
}
