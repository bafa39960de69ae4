using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc.Remote;

/// <summary>
/// A pool's agent on another host: runs in the remoting session's own pwsh, starts the pool's workers
/// there as local children, and relays the worker protocol between them and the pool, frame by frame.
/// </summary>
/// <remarks>
/// The session's pipeline runs <see cref="Run"/>: the pool's packets come in as its input, the agent's
/// go out as its output. The agent decides nothing about tasks: the pool dispatches, retries and orders as
/// it does for its local workers. What only this host can see travels as messages of its own: a worker's
/// start, the item it runs (for -TaskTimeout and progress), how it ended and what it had finished but not
/// sent (its ledger, read here), and what the workers print.
/// </remarks>
public static class HostAgent
{
    private static readonly TimeSpan RunningEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the agent says it is alive, whatever else it sends.</summary>
    internal static readonly TimeSpan BeatEvery = TimeSpan.FromSeconds(1);

    /// <summary>Runs the agent until its input ends; each packet for the pool is an output object. Not for use from scripts.</summary>
    public static IEnumerable<byte[]> Run(IEnumerator input)
    {
        var agent = new Agent();
        ChildConsole.Redirect(new RelayStream(agent.Outgoing, 1), new RelayStream(agent.Outgoing, 2));
        var hello = new WireWriter();
        hello.WriteString(PSVersionInfo().ToString());
        hello.WriteString(typeof(HostAgent).Assembly.GetName().Version!.ToString(3));
        hello.WriteInt32(Environment.ProcessorCount);
        agent.Outgoing.Add(AgentMessageKind.Hello, 0, hello.WrittenSpan);
        var reader = new Thread(() => agent.Read(input)) { IsBackground = true, Name = "Multiproc agent input" };
        reader.Start();
        try
        {
            while (agent.Outgoing.Take() is { } packet) yield return packet;
        }
        finally { agent.End(); }
    }

    private static Version PSVersionInfo() => typeof(PSObject).Assembly.GetName().Version!;

    private sealed class Agent
    {
        private readonly object _gate = new();
        private readonly Dictionary<int, Slot> _slots = new();   // guarded by _gate
        private readonly Dictionary<int, byte[]> _definitions = new();   // the input thread's: each call's definition, sent here once
        private readonly CancellationTokenSource _ending = new();
        private readonly Timer _running;
        private long _lastBeat = Environment.TickCount64;   // the timer's own
        private int _reporting;                              // 1 while the timer's callback runs: one at a time, so reports keep their order

        public Agent() => _running = new Timer(_ => ReportRunning(), null, RunningEvery, RunningEvery);

        public PacketQueue Outgoing { get; } = new();

        /// <summary>The input thread: every packet from the pool, until it ends its input.</summary>
        public void Read(IEnumerator input)
        {
            try
            {
                while (input.MoveNext())
                {
                    if ((input.Current is PSObject wrapped ? wrapped.BaseObject : input.Current) is not byte[] packet) continue;
                    foreach (var message in AgentMessage.ReadAll(packet)) Handle(message);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException) { /* the session is going: end as when the input ends */ }
            End();
        }

        private void Handle(AgentMessage message)
        {
            Slot? slot;
            lock (_gate) _slots.TryGetValue(message.Slot, out slot);
            switch (message.Kind)
            {
                case AgentMessageKind.Start:
                    Task.Run(() => Start(message.Slot, message.Body));
                    break;
                case AgentMessageKind.Frame:
                    var frame = message.AsFrame();
                    if (frame.Type == FrameType.PoolForget)
                    {
                        Forget(frame);
                        break;
                    }
                    var body = frame.Type == FrameType.PoolChunk ? WithDefinition(slot, frame.Body) : frame.Body;
                    if (slot is not null) Post(slot, frame.Type, body);
                    break;
                case AgentMessageKind.Kill:
                    slot?.Worker.Kill();
                    break;
                case AgentMessageKind.Release:
                    lock (_gate) _slots.Remove(message.Slot);
                    slot?.Worker.Release();
                    break;
            }
        }

        // A call's definition comes once per host: kept here (even when the worker it came for has gone), and
        // given to each worker with its first chunk of the call.
        private byte[] WithDefinition(Slot? slot, byte[] chunk)
        {
            var (callId, definition) = Pool.TaskChunk.PeekDefinition(chunk);
            if (definition is not null) _definitions[callId] = definition;
            if (slot is null || !slot.KnownCalls.Add(callId) || definition is not null) return chunk;
            return _definitions.TryGetValue(callId, out var kept) ? Pool.TaskChunk.AddDefinition(chunk, kept) : chunk;
        }

        // The pool forgets a call once per host: every worker here that knew it forgets it.
        private void Forget(Frame frame)
        {
            int callId = new WireReader(frame.Body).ReadInt32();
            _definitions.Remove(callId);
            List<Slot> knowing = new();
            lock (_gate) foreach (var slot in _slots.Values) if (slot.KnownCalls.Remove(callId)) knowing.Add(slot);
            foreach (var slot in knowing) Post(slot, frame.Type, frame.Body);
        }

        private static void Post(Slot slot, FrameType type, byte[] body)
        {
            try { slot.Worker.Post(type, body); }
            catch (MpObjectGoneException) { /* gone: its end is on its way to the pool */ }
        }

        private void Start(int number, byte[] setup)
        {
            LocalWorker worker;
            try { worker = LocalWorker.Start(setup, _ending.Token); }
            catch (Exception e)   // whatever it was, the pool waits for an answer
            {
                var why = new WireWriter();
                why.WriteString(e is MpException mp ? mp.ErrorRecord.FullyQualifiedErrorId : "MpPoolSetup");
                why.WriteString(e.Message);
                Outgoing.Add(AgentMessageKind.StartFailed, number, why.WrittenSpan);
                return;
            }
            var slot = new Slot(worker);
            lock (_gate)
            {
                if (_ending.IsCancellationRequested)
                {
                    worker.Release();
                    return;
                }
                _slots[number] = slot;
            }
            var started = new WireWriter(8);
            started.WriteInt32(worker.ProcessId);
            Outgoing.Add(AgentMessageKind.Started, number, started.WrittenSpan);
            worker.Start(
                frame => Outgoing.Add(AgentMessageKind.Frame, number, AgentMessage.FrameBody(frame.Type, frame.Body)),
                () => Gone(number, slot));
        }

        /// <summary>A worker's connection closed: the pool hears how it ended and what it had not sent, as it would read them itself.</summary>
        private void Gone(int number, Slot slot)
        {
            var end = slot.Worker.Ending();   // first: the worker is dead before its ledger is read
            var unsent = slot.Worker.ReadUnsent();
            end.Quoted();   // said to the pool, which quotes it or not
            bool known;
            lock (_gate) known = _slots.Remove(number);
            slot.Worker.Release();
            if (!known) return;   // released by the pool: nobody waits for its end
            var body = new WireWriter(64 + (unsent?.Items.Length ?? 0));
            body.WriteBool(end.ClosedAlive);
            body.WriteString(end.How);
            body.WriteBool(unsent is not null);
            if (unsent is { } u)
            {
                body.WriteInt64(u.ChunkId);
                body.WriteInt32(u.Count);
                body.WriteBytes(u.Items);
            }
            Outgoing.Add(AgentMessageKind.Gone, number, body.WrittenSpan);
        }

        /// <summary>Tells the pool which item each worker runs, when that changed since the last time.</summary>
        private void ReportRunning()
        {
            if (Interlocked.Exchange(ref _reporting, 1) == 1) return;
            try { ReportRunningOnce(); }
            finally { Volatile.Write(ref _reporting, 0); }
        }

        private void ReportRunningOnce()
        {
            List<(int Number, Slot Slot)> slots = new();
            lock (_gate) foreach (var (number, slot) in _slots) slots.Add((number, slot));
            long now = Environment.TickCount64;
            if (now - _lastBeat >= (long)BeatEvery.TotalMilliseconds)
            {
                _lastBeat = now;
                Outgoing.Add(AgentMessageKind.Beat, 0, ReadOnlySpan<byte>.Empty);
            }
            foreach (var (number, slot) in slots)
            {
                var running = slot.Worker.ReadRunning();
                if (running == slot.LastRunning) continue;
                slot.LastRunning = running;
                var body = new WireWriter(24);
                body.WriteInt64(running?.ChunkId ?? 0);
                body.WriteInt32(running?.Index ?? 0);
                body.WriteInt64(running is { } r ? now - r.Since : 0);
                Outgoing.Add(AgentMessageKind.Running, number, body.WrittenSpan);
            }
        }

        /// <summary>The pool is done, or the session ends: every worker goes.</summary>
        public void End()
        {
            Slot[] slots;
            lock (_gate)
            {
                if (_ending.IsCancellationRequested) return;
                _ending.Cancel();
                slots = new Slot[_slots.Count];
                _slots.Values.CopyTo(slots, 0);
                _slots.Clear();
            }
            _running.Dispose();
            foreach (var slot in slots) slot.Worker.Release();
            ChildConsole.Restore();
            Outgoing.Complete();
        }
    }

    private sealed class Slot
    {
        public Slot(LocalWorker worker) => Worker = worker;

        public LocalWorker Worker { get; }

        /// <summary>Calls whose definition this worker has been given; the input thread's.</summary>
        public HashSet<int> KnownCalls { get; } = new();

        /// <summary>What the pool was last told this worker runs; touched by the timer only.</summary>
        public (long ChunkId, int Index, long Since)? LastRunning { get; set; }
    }

    /// <summary>What the host's workers write to a standard stream, sent on to the pool's console.</summary>
    private sealed class RelayStream : Stream
    {
        private readonly PacketQueue _queue;
        private readonly int _stream;

        public RelayStream(PacketQueue queue, int stream)
        {
            _queue = queue;
            _stream = stream;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => _queue.Add(AgentMessageKind.Console, _stream, buffer);

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
