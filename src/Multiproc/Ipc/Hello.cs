namespace Multiproc.Ipc;

/// <summary>Why a connection was opened.</summary>
internal enum HelloRole : byte
{
    /// <summary>A child process (or standby) reporting for work.</summary>
    Child = 1,
    /// <summary>A process using shared objects this process owns (<see cref="Rpc.Link"/>).</summary>
    Client = 2,
    // 3 was a process taking over a pipe end's socket: pipes are shared memory now.
}

/// <summary>The first frame on every connection: the caller's role, token and process id.</summary>
internal readonly record struct Hello(HelloRole Role, string Token, int ProcessId)
{
    public void Write(WireWriter w)
    {
        w.WriteByte((byte)Role);
        w.WriteString(Token);
        w.WriteInt32(ProcessId);
    }

    public static Hello Read(WireReader r) => new((HelloRole)r.ReadByte(), r.ReadString(), r.ReadInt32());
}
