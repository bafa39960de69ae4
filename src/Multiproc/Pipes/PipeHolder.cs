using System;
using System.Collections.Concurrent;
using Multiproc.Ipc;

namespace Multiproc.Pipes;

/// <summary>The pipe ends this process was handed by other processes, taken over once each.</summary>
internal static class PipeHolder
{
    private static readonly ConcurrentDictionary<(string Owner, long Id, int End), EndChannel> s_ends = new();
    private static readonly object s_gate = new();

    /// <summary>This process's channel for the end; asks the owner for its socket the first time.</summary>
    /// <exception cref="MpObjectGoneException">The owner has ended, or no longer knows the pipe.</exception>
    public static EndChannel Get(string owner, long id, int end, (string Path, int Offset) locksCell)
    {
        var key = (owner, id, end);
        if (s_ends.TryGetValue(key, out var channel)) return channel;
        lock (s_gate)
        {
            if (s_ends.TryGetValue(key, out channel)) return channel;
            NativeSockets.EnsureSupported();
            var lifeline = Connection.Connect(owner, Session.Current.Secret);
            try
            {
                var hello = new WireWriter();
                new Hello(HelloRole.PipeEnd, $"{id}:{end}", Environment.ProcessId).Write(hello);
                lifeline.Send(FrameType.Hello, hello);
                var (status, socket) = NativeSockets.ReceiveWithSocket(lifeline.Socket);
                if ((PipeOwner.HandOverStatus)status == PipeOwner.HandOverStatus.Unknown) throw Gone(owner);
                channel = new EndChannel(socket, socket is null ? null : new EndLocks(locksCell), () =>
                {
                    try { lifeline.Send(FrameType.Post, [PipeOwner.ClosedOp]); } catch (MpObjectGoneException) { }
                });
            }
            catch (Exception e) when (e is not MpException)
            {
                lifeline.Close();
                throw Gone(owner, e);
            }
            var opened = channel;
            lifeline.Closed += _ => opened.MarkClosed();   // the owner's session ended: so did its pipes
            lifeline.Start(frame =>
            {
                if (frame.Type == FrameType.Notice && frame.Body is [PipeOwner.ClosedOp, ..]) opened.MarkClosed();
            }, "Multiproc pipe lifeline");
            s_ends[key] = channel;
            return channel;
        }
    }

    private static MpObjectGoneException Gone(string owner, Exception? inner = null) => new(
        $"The pipe is gone: the session that made it (endpoint '{owner}') has ended.", owner, inner);
}
