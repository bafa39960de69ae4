using System;
using System.Collections.Generic;
using Multiproc.Ipc;

namespace Multiproc.Remote;

/// <summary>What a pool and a host's agent say to each other, over the remoting pipeline that runs the agent.</summary>
/// <remarks>
/// Each pipeline object is a byte[] packet of one or more messages, so that a burst goes as one remoting
/// message: a message is its kind (one byte), the worker slot it is about (int32), its body's length
/// (int32) and its body. Worker protocol frames (<see cref="FrameType"/>) travel whole in
/// <see cref="AgentMessageKind.Frame"/> messages, untouched: the agent relays them, the pool and the
/// workers read them as they would over a local connection.
/// </remarks>
internal enum AgentMessageKind : byte
{
    /// <summary>Pool → agent: start a worker in this slot; the body is its setup (a <see cref="Processes.JobSpec"/>).</summary>
    Start = 1,
    /// <summary>Agent → pool: the slot's worker is set up: its pid (int32), then its PoolReady frame's body.</summary>
    Started = 2,
    /// <summary>Agent → pool: the slot's worker could not start; the body is why (a string).</summary>
    StartFailed = 3,
    /// <summary>Either way: a worker protocol frame for or from the slot's worker: its type (a byte), then its body.</summary>
    Frame = 4,
    /// <summary>Agent → pool: the item the slot's worker runs now (chunk id, index) and for how many milliseconds; chunk 0 for none.</summary>
    Running = 5,
    /// <summary>Agent → pool: the slot's worker is gone: closed alive (bool), how it ended (string), then what it finished and had not sent.</summary>
    Gone = 6,
    /// <summary>Pool → agent: kill the slot's worker (its end follows as <see cref="Gone"/>).</summary>
    Kill = 7,
    /// <summary>Pool → agent: the pool is done with the slot's worker: kill it if it runs, and forget it.</summary>
    Release = 8,
    /// <summary>Agent → pool: what the host's workers wrote to their standard output (slot 1) or error (slot 2), as bytes.</summary>
    Console = 9,
    /// <summary>Agent → pool, first: it runs; its host's PowerShell version, Multiproc version and processor count.</summary>
    Hello = 10,
    /// <summary>Agent → pool, every <see cref="HostAgent.BeatEvery"/>: it still runs, and the way to it works.</summary>
    Beat = 11,
}

internal readonly record struct AgentMessage(AgentMessageKind Kind, int Slot, byte[] Body)
{
    public static void Write(WireWriter packet, AgentMessageKind kind, int slot, ReadOnlySpan<byte> body)
    {
        packet.WriteByte((byte)kind);
        packet.WriteInt32(slot);
        packet.WriteBytes(body);
    }

    /// <summary>Every message of a packet, in order.</summary>
    public static List<AgentMessage> ReadAll(byte[] packet)
    {
        var messages = new List<AgentMessage>();
        var r = new WireReader(packet);
        while (!r.AtEnd)
            messages.Add(new AgentMessage((AgentMessageKind)r.ReadByte(), r.ReadInt32(), r.ReadBytes()));
        return messages;
    }

    /// <summary>A <see cref="AgentMessageKind.Frame"/> message's body: the frame's type, then its body.</summary>
    public static byte[] FrameBody(FrameType type, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[body.Length + 1];
        bytes[0] = (byte)type;
        body.CopyTo(bytes.AsSpan(1));
        return bytes;
    }

    public Frame AsFrame() => new((FrameType)Body[0], Body.AsSpan(1).ToArray());
}
