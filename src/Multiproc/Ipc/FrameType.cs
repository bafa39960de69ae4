namespace Multiproc.Ipc;

/// <summary>What a frame carries. Values are wire format: append, never renumber.</summary>
internal enum FrameType : byte
{
    /// <summary>First frame of a connection after the handshake: who is calling and why.</summary>
    Hello = 1,
    /// <summary>Parent → child: run this scriptblock (a <see cref="Processes.JobSpec"/>).</summary>
    Job = 2,
    /// <summary>Parent → child: stop the running pipeline and exit.</summary>
    Stop = 3,
    /// <summary>Child → parent: one object from the success stream.</summary>
    Output = 4,
    /// <summary>Child → parent: an error, warning, verbose, debug or information record.</summary>
    Record = 5,
    /// <summary>Child → parent: the scriptblock ended; a <see cref="Processes.DoneReport"/>.</summary>
    Done = 6,
    /// <summary>Client → owner of shared objects: a request that gets a <see cref="Reply"/> (see <see cref="Rpc.Link"/>).</summary>
    Call = 7,
    /// <summary>Owner → client: the answer to a <see cref="Call"/>, matched by request id.</summary>
    Reply = 8,
    /// <summary>Client → owner: a one-way request; no reply.</summary>
    Post = 9,
    /// <summary>Owner → client: news about an object the client attached to.</summary>
    Notice = 10,
    /// <summary>On a pipe: one value sent with Send.</summary>
    PipeValue = 11,
    /// <summary>On a pipe: one byte array sent with SendBytes.</summary>
    PipeBytes = 12,
    /// <summary>Parent → pool worker: its setup, a <see cref="Processes.JobSpec"/> whose script is the initialization script.</summary>
    PoolSetup = 13,
    /// <summary>Pool worker → parent: set up (ok byte), or the error record its setup failed with.</summary>
    PoolReady = 14,
    /// <summary>Parent → pool worker: items to run (a <see cref="Pool.TaskChunk"/>).</summary>
    PoolChunk = 15,
    /// <summary>Pool worker → parent: results of items of a chunk (a <see cref="Pool.ChunkResults"/>).</summary>
    PoolResults = 16,
    /// <summary>Parent → pool worker: drop the rest of a call (its id follows).</summary>
    PoolCancel = 17,
    /// <summary>Parent → pool worker: a call is over; forget its definition (its id follows).</summary>
    PoolForget = 18,
    /// <summary>On a pipe: a message too large for its ring, in a file; the body is its type (a byte) and the file's path.</summary>
    PipeSpill = 19,
    /// <summary>Parent → pool worker: stop the item that runs too long (chunk id, item index, the error's message).</summary>
    PoolStopItem = 20,
    /// <summary>Parent → pool worker: start no more items of a call, but let the running one finish (its id follows).</summary>
    PoolDrain = 21,
    /// <summary>Pool worker → parent: a task ran `exit` with this code (int32), and the worker ends.</summary>
    PoolExit = 22,
    /// <summary>Pool worker → parent: a record the running item wrote that is shown as it comes (chunk id, item index, a stream record).</summary>
    PoolLive = 23,
    /// <summary>Parent → child whose output reaches a terminal through it: what it printed is shown; it may exit (see <see cref="Processes.PromptSafeConsole.ShownAsync"/>).</summary>
    MayExit = 24,
}
