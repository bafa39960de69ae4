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
}
