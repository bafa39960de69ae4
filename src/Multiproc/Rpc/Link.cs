using System;
using System.Collections.Concurrent;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Rpc;

/// <summary>This process's one connection to a process that owns shared objects.</summary>
/// <remarks>
/// Message bodies, after the frame header:
/// <code>
///   Call   : requestId int32, op byte, objectId int64, arguments...   → answered by one Reply
///   Reply  : requestId int32, ok byte, result... | error type string, message string
///   Post   : op byte, objectId int64, arguments...                    → never answered
///   Notice : op byte, objectId int64, arguments...                    owner → client
/// </code>
/// Frames on one link are handled by the owner in the order they were sent, so a Call answered means
/// every Post before it has been handled: <see cref="SyncAll"/> relies on that.
/// </remarks>
internal sealed class Link
{
    /// <summary>Object id 0 is the owner itself.</summary>
    public const long OwnerId = 0;
    /// <summary>Op of the owner: answer at once (every earlier frame of this link is handled).</summary>
    public const byte SyncOp = 1;
    /// <summary>Post op for any object: give up the wait of one call (its id follows).</summary>
    public const byte CancelOp = 255;

    private static readonly object s_gate = new();
    private static readonly ConcurrentDictionary<string, Link> s_links = new();

    private readonly Connection _connection;
    private readonly Outbox? _outbox;
    private readonly ConcurrentDictionary<int, PendingCall> _calls = new();
    private readonly ConcurrentDictionary<long, Action<byte, WireReader>> _noticeHandlers = new();
    private readonly ConcurrentDictionary<long, object> _clientState = new();
    private int _lastRequest;
    private volatile bool _postedSinceSync;
    private static volatile bool s_postedSinceSync;   // any link: lets SyncAll return at once, the usual case

    private Link(string path, Connection connection, Outbox? outbox)
    {
        Path = path;
        _connection = connection;
        _outbox = outbox;
    }

    /// <summary>The owner's endpoint path.</summary>
    public string Path { get; }

    public bool IsClosed => _connection.IsClosed;

    /// <summary>The link to the owner at <paramref name="path"/>, connecting on first use.</summary>
    /// <exception cref="MpObjectGoneException">The owner has ended.</exception>
    public static Link To(string path)
    {
        if (s_links.TryGetValue(path, out var link) && !link.IsClosed) return link;
        lock (s_gate)
        {
            if (s_links.TryGetValue(path, out link) && !link.IsClosed) return link;
            var connection = Connection.Connect(path, Session.Current.Secret);
            // Puts leave this process through the outbox, which the owner reads if this process dies.
            var outbox = Outbox.TryCreate(Session.Current.PrivateDirectory);
            link = new Link(path, connection, outbox);
            var hello = new WireWriter();
            new Hello(HelloRole.Client, outbox?.Path ?? "", Environment.ProcessId).Write(hello);
            connection.Send(FrameType.Hello, hello);
            if (outbox is not null) connection.UseOutbox(outbox);
            connection.Closed += _ => link.OnClosed();
            connection.Start(link.OnFrame, "Multiproc link");
            s_links[path] = link;
            return link;
        }
    }

    /// <summary>Waits until the owners have handled everything this process posted to them.</summary>
    /// <remarks>
    /// A child calls this before it reports its end, so what it put is there when its parent looks; so does
    /// every signal another process may act on (an event set, a lock or semaphore released, a barrier
    /// reached, a pipe message sent): a Put that returned before it is seen by whoever looks after (SPEC §6).
    /// </remarks>
    public static void SyncAll()
    {
        if (!s_postedSinceSync) return;
        s_postedSinceSync = false;   // before the links': a post from now on sets both again
        foreach (var link in s_links.Values)
        {
            if (!link._postedSinceSync || link.IsClosed) continue;
            link._postedSinceSync = false;
            try { link.Call(link.Begin(SyncOp, OwnerId)); }
            catch (MpObjectGoneException) { }
        }
    }

    /// <summary>Closes every link of this process (the session is ending).</summary>
    public static void CloseAll()
    {
        foreach (var link in s_links.Values)
        {
            link._connection.Close();
            link.DropOutbox();
        }
        s_links.Clear();
    }

    private void DropOutbox()
    {
        if (_outbox is null) return;
        _outbox.Dispose();
        try { System.IO.File.Delete(_outbox.Path); } catch (System.IO.IOException) { }
    }

    /// <summary>State this process keeps about one remote object, made once per link.</summary>
    public T ClientState<T>(long objectId, Func<T> create) where T : class =>
        (T)_clientState.GetOrAdd(objectId, _ => create());

    /// <summary>Sends <paramref name="handler"/> every notice about <paramref name="objectId"/>.</summary>
    public void OnNotice(long objectId, Action<byte, WireReader> handler) => _noticeHandlers[objectId] = handler;

    /// <summary>Starts a call: write its arguments to <see cref="Request.Writer"/>, then pass it to <see cref="Call"/>.</summary>
    public Request Begin(byte op, long objectId)
    {
        var w = Writer();
        int id = Interlocked.Increment(ref _lastRequest);
        w.WriteInt32(id);
        w.WriteByte(op);
        w.WriteInt64(objectId);
        return new Request(id, objectId, w);
    }

    /// <summary>Starts a one-way message: write its arguments, then pass the writer to <see cref="Post"/>.</summary>
    public static WireWriter BeginPost(byte op, long objectId)
    {
        var w = Writer();
        w.WriteByte(op);
        w.WriteInt64(objectId);
        return w;
    }

    /// <summary>Sends a one-way message; once this returns, it has left this process (SPEC §2), into the outbox.</summary>
    /// <exception cref="TimeoutException">The owner took in nothing until <paramref name="deadline"/>; nothing was sent.</exception>
    public void Post(WireWriter message, long deadline = long.MaxValue)
    {
        _postedSinceSync = true;
        s_postedSinceSync = true;
        try { _connection.PostDurable(FrameType.Post, message.WrittenSpan, deadline); }
        finally { SpareWriter.Return(message); }
    }

    /// <summary>Sends the call and waits for its reply.</summary>
    /// <remarks>
    /// On cancellation the owner is asked to give up the wait; the reply still comes (the wait may have
    /// been met meanwhile) and is returned when it succeeded, so the caller can hand back what it got.
    /// A failed reply after cancellation throws <see cref="OperationCanceledException"/>.
    /// </remarks>
    /// <exception cref="MpException">The owner's answer was an error, or the owner is gone.</exception>
    public WireReader Call(Request request, CancellationToken cancel = default)
    {
        var pending = new PendingCall();
        _calls[request.Id] = pending;
        try { _connection.Send(FrameType.Call, request.Writer.WrittenSpan); }
        catch { _calls.TryRemove(request.Id, out _); throw; }
        finally { SpareWriter.Return(request.Writer); }

        if (!pending.Wait(cancel))
        {
            var cancelMessage = BeginPost(CancelOp, request.ObjectId);
            cancelMessage.WriteInt32(request.Id);
            try { Post(cancelMessage); } catch (MpObjectGoneException) { }
            pending.Wait(CancellationToken.None);
        }
        var reply = new WireReader(pending.Body ?? throw Gone(), 4);
        if (reply.ReadBool()) return reply;
        var error = MpExceptions.Rebuild(reply.ReadString(), reply.ReadString(), null);
        if (cancel.IsCancellationRequested) throw new OperationCanceledException(cancel);
        throw error ?? new MpObjectGoneException("The owner of a shared object sent an error this process does not know.");
    }

    private MpObjectGoneException Gone() => new(
        $"The process that owns this shared object has ended (endpoint '{Path}'); the object is gone with it.", Path);

    private static WireWriter Writer() => SpareWriter.Rent();   // back once sent, in Call and Post

    private void OnFrame(Frame frame)
    {
        var r = new WireReader(frame.Body);
        if (frame.Type == FrameType.Reply)
        {
            if (_calls.TryRemove(r.ReadInt32(), out var pending)) pending.Complete(frame.Body);
        }
        else if (frame.Type == FrameType.Notice)
        {
            byte op = r.ReadByte();
            if (_noticeHandlers.TryGetValue(r.ReadInt64(), out var handler)) handler(op, r);
        }
    }

    private void OnClosed()
    {
        s_links.TryRemove(new(Path, this));
        DropOutbox();
        foreach (var call in _calls.Values) call.Complete(null);
        _calls.Clear();
    }

    /// <summary>A call being built: its id and the writer holding its message.</summary>
    public readonly record struct Request(int Id, long ObjectId, WireWriter Writer);

    private sealed class PendingCall
    {
        private readonly ManualResetEventSlim _done = new();

        /// <summary>The reply frame's body; null when the link closed first.</summary>
        public byte[]? Body { get; private set; }

        public void Complete(byte[]? body)
        {
            Body = body;
            _done.Set();
        }

        public bool Wait(CancellationToken cancel)
        {
            try { _done.Wait(cancel); return true; }
            catch (OperationCanceledException) { return false; }
        }
    }
}
