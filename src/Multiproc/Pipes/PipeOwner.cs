using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.Sockets;
using Multiproc.Ipc;

namespace Multiproc.Pipes;

/// <summary>The pipes this process made: their sockets, and the processes it handed each end to.</summary>
/// <remarks>
/// The owner keeps both sockets for as long as its session lives, so it can hand an end to any process
/// that asks, and so an end stays open when a process using it exits without Close(). Every process
/// holding an end keeps a lifeline connection to the owner: Close() anywhere comes here and goes out to
/// the others, and when the owner goes the lifelines break and every holder closes its end.
/// </remarks>
internal static class PipeOwner
{
    /// <summary>Lifeline message, either way: this end is closed.</summary>
    public const byte ClosedOp = 1;

    /// <summary>The status byte that comes with a handed-over socket.</summary>
    public enum HandOverStatus : byte { Open = 1, Closed = 2, Unknown = 3 }

    private static readonly ConcurrentDictionary<long, Pipe> s_pipes = new();
    private static long s_lastId;

    /// <summary>Makes a pipe; the two channels are this process's use of its ends.</summary>
    public static long Create(out EndChannel first, out EndChannel second)
    {
        var (a, b) = NativeSockets.CreatePair();
        long id = System.Threading.Interlocked.Increment(ref s_lastId);
        var pipe = new Pipe(a, b);
        first = pipe.Local[0] = new EndChannel(a, new EndLocks(Sync.SharedMemory.Allocate()), () => Close(id, 0));
        second = pipe.Local[1] = new EndChannel(b, new EndLocks(Sync.SharedMemory.Allocate()), () => Close(id, 1));
        s_pipes[id] = pipe;
        return id;
    }

    public static EndChannel? LocalChannel(long id, int end) => s_pipes.TryGetValue(id, out var pipe) ? pipe.Local[end] : null;

    /// <summary>Serves a process that asked for an end (<see cref="HelloRole.PipeEnd"/>, token "id:end").</summary>
    public static void HandOver(Connection connection, string token)
    {
        var parts = token.Split(':');
        if (parts.Length != 2 || !long.TryParse(parts[0], out long id) || !int.TryParse(parts[1], out int end)
            || end is < 0 or > 1 || !s_pipes.TryGetValue(id, out var pipe))
        {
            Answer(connection, HandOverStatus.Unknown, null);
            connection.Close();
            return;
        }
        lock (pipe)
        {
            if (pipe.Local[end]!.IsClosed)
            {
                Answer(connection, HandOverStatus.Closed, null);
                connection.Close();
                return;
            }
            pipe.Holders[end].Add(connection);
        }
        connection.Closed += _ => { lock (pipe) pipe.Holders[end].Remove(connection); };
        Answer(connection, HandOverStatus.Open, pipe.Sockets[end]);
        connection.Start(frame =>
        {
            if (frame.Type == FrameType.Post && frame.Body is [ClosedOp, ..]) Close(id, end);
        }, "Multiproc pipe holder");
    }

    private static void Answer(Connection connection, HandOverStatus status, Socket? socket)
    {
        try { NativeSockets.SendWithSocket(connection.Socket, (byte)status, socket); }
        catch (Exception) { connection.Close(); }
    }

    /// <summary>Closes one end everywhere: here, and in every process it was handed to.</summary>
    public static void Close(long id, int end)
    {
        if (!s_pipes.TryGetValue(id, out var pipe)) return;
        Connection[] holders;
        lock (pipe) holders = pipe.Holders[end].ToArray();
        pipe.Local[end]!.MarkClosed();
        foreach (var holder in holders)
            try { holder.Send(FrameType.Notice, [ClosedOp]); } catch (MpObjectGoneException) { }
    }

    /// <summary>The session ends: every end closes, in every process.</summary>
    public static void EndAll()
    {
        foreach (var (id, pipe) in s_pipes)
        {
            for (int end = 0; end < 2; end++)
            {
                pipe.Local[end]!.MarkClosed();
                lock (pipe) foreach (var holder in pipe.Holders[end]) holder.Close();
            }
            foreach (var socket in pipe.Sockets) socket.Dispose();
            s_pipes.TryRemove(id, out _);
        }
    }

    private sealed class Pipe(Socket first, Socket second)
    {
        public Socket[] Sockets { get; } = [first, second];
        public EndChannel?[] Local { get; } = new EndChannel?[2];
        public List<Connection>[] Holders { get; } = [new(), new()];
    }
}
