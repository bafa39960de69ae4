using System.ComponentModel;
using System.Threading;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Worker;

/// <summary>Collects what each item of a chunk produces and sends it to the parent. Not for use from scripts.</summary>
/// <remarks>
/// Everything runs on the worker's pipeline thread: output and records arrive as they are written, so
/// whatever comes before <see cref="ItemEnded"/> belongs to the current item. Results go out in batches: at
/// the chunk's end, and whenever 20 ms have passed. An item that ended normally is also copied to the
/// worker's <see cref="ResultLedger"/> before the next item starts, where the parent finds it if the
/// worker dies (SPEC §10): a worker that dies loses only the item it was running, and no finished item
/// runs twice. An item that ended by a flow-control statement (`exit`, say) is not: when `exit` ends the
/// worker, that item is the one lost.
///
/// A streaming chunk (an -Unordered call's slower items) also sends what the running item wrote while
/// it runs: every 20 ms, a timer sends the entries written since (PoolLive), so a long task's output
/// reaches the caller as it is written; what is left goes with the item's result as usual.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskSink : ItemRecorder
{
    private static readonly long FlushTicks = Stopwatch.Frequency / 50;

    private readonly long _chunkId;
    private readonly Connection _parent;
    private readonly ResultLedger _ledger;
    private readonly WireWriter _items = new(1024);     // finished items not sent yet
    private readonly WireWriter _message = new(1024);   // the message being sent
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _lastFlush;
    private int _pending;      // items in _items
    private int _lastItemAt;   // where the last of them starts in _items
    private int _ledgeredUpTo, _ledgeredItems;   // how much of _items (bytes, items) the ledger holds too
    // Between the pipeline thread and the parent connection's reader: an item is stopped only while it runs,
    // and once one is, no item after it starts (a stop that landed on the next one would run it twice).
    private readonly object _gate = new();
    private int _itemsEnded;              // written under _gate
    private bool _drained;                // guarded by _gate: no item starts any more
    private ErrorRecord? _stopReason;     // guarded by _gate: the item _stopIndex is being stopped and fails with it
    private int _stopIndex;               // guarded by _gate

    private readonly int[]? _hostIndexes;   // -HostPrefix: each item's input position, or -1 for no prefix
    private readonly Timer? _streamer;      // a streaming chunk's: sends the running item's entries as it runs

    internal TaskSink(long chunkId, Connection parent, ResultLedger ledger, PSHost host, int[]? hostIndexes = null, bool streams = false) : base(host)
    {
        _hostIndexes = hostIndexes;
        _chunkId = chunkId;
        _parent = parent;
        _ledger = ledger;
        _lastFlush = _started;
        _ledger.MarkRunning(chunkId, 0);
        if (streams) _streamer = new Timer(_ => SendRunningEntries(), null, 20, 20);
    }

    internal long ChunkId => _chunkId;

    private protected override string? HostPrefix =>
        _hostIndexes is { } indexes && ItemsEnded is var at && at < indexes.Length && indexes[at] >= 0
            ? $"[{System.Environment.ProcessId}:{indexes[at]}] "
            : null;

    /// <summary>How many items have ended.</summary>
    public int ItemsEnded
    {
        get { lock (_gate) return _itemsEnded; }
    }

    /// <summary>True once the loop ran the chunk to its end (not cut short by `exit`).</summary>
    public bool ChunkRanToEnd { get; private set; }

    /// <summary>The current item has ended; <paramref name="normally"/> when it ran to its end or threw.</summary>
    public override void ItemEnded(bool normally)
    {
        int index;
        lock (EntriesGate)   // a streaming flush sees the item's entries with its index, or neither
        {
            lock (_gate)
            {
                if (_stopReason is { } reason && _itemsEnded == _stopIndex)
                {
                    ItemFailed(reason);
                    normally = true;   // its answer is final: it goes to the ledger like any other
                }
                index = _itemsEnded++;
            }
            _ledger.MarkRunning(_chunkId, _itemsEnded);
            _lastItemAt = _items.Length;
            WriteItem(_items, index);
        }
        ProgressRelay.NextItem();
        _pending++;
        if (!normally) return;   // it may have run `exit`: not a result until the chunk goes on
        // In the ledger before the next item starts (with any item before it that did not end normally:
        // this one's end shows that one did not end the worker). Too large for it: to the parent now.
        if (!_ledger.TryAppend(_chunkId, _items.WrittenSpan[_ledgeredUpTo..], _pending - _ledgeredItems)) SendResults(chunkEnded: false);
        else if (Stopwatch.GetTimestamp() - _lastFlush > FlushTicks) SendResults(chunkEnded: false);
        else
        {
            _ledgeredUpTo = _items.Length;
            _ledgeredItems = _pending;
        }
    }

    /// <summary>The loop ran the chunk to its end.</summary>
    public void ChunkEnded() => ChunkRanToEnd = true;

    /// <summary>
    /// From the parent connection's reader: item <paramref name="index"/> ran too long and the loop is being
    /// stopped; it fails with <paramref name="reason"/>. False when that item has ended already.
    /// </summary>
    internal bool StopItem(int index, ErrorRecord reason)
    {
        lock (_gate)
        {
            if (_itemsEnded > index) return false;
            _stopIndex = index;
            _stopReason = reason;
            _drained = true;
            return true;
        }
    }

    /// <summary>From the parent connection's reader: no item after the running one starts (its call reached -MaxFailures).</summary>
    internal void Drain()
    {
        lock (_gate) _drained = true;
    }

    /// <summary>Whether the next item may start: false once the chunk is drained or an item is being stopped.</summary>
    public bool MayStartItem()
    {
        lock (_gate) return !_drained;
    }

    /// <summary>After the loop was stopped: the item being stopped fails, if no finally block ended it already.</summary>
    /// <param name="itemCount">The chunk's items: a stop that came after the last of them stopped none.</param>
    internal void EndStoppedItem(int itemCount)
    {
        ErrorRecord? reason;
        lock (_gate) reason = _itemsEnded == _stopIndex && _stopIndex < itemCount ? _stopReason : null;
        if (reason is null) return;
        ItemFailed(reason);
        ItemEnded(normally: true);
    }

    /// <summary>Sends a record the running item wrote that its caller shows as it comes (Write-Progress); on the pipeline thread.</summary>
    /// <remarks>Layout: chunk id, then the item in <see cref="ChunkResults"/>' form, with this record its one entry.</remarks>
    internal void SendLive(StreamKind kind, object record)
    {
        var entry = new WireWriter(128);
        StreamRecord.Write(entry, kind, record);
        var message = new WireWriter(entry.Length + 32);
        message.WriteInt64(_chunkId);
        ChunkResults.WriteItem(message, ItemsEnded, 1, entry.WrittenSpan, null, System.TimeSpan.Zero);
        Send(FrameType.PoolLive, message);
    }

    /// <summary>The streaming timer: what the running item wrote since the last time, to the parent at once.</summary>
    private void SendRunningEntries()
    {
        lock (EntriesGate)
        {
            if (!HasEntries) return;
            var message = new WireWriter(256);
            message.WriteInt64(_chunkId);
            if (TakeEntries(message, ItemsEnded)) Send(FrameType.PoolLive, message);   // under the gate: before the item's result can go
        }
    }

    private void Send(FrameType type, WireWriter message)
    {
        try { _parent.Send(type, message); }
        catch (MpObjectGoneException) { }
    }

    /// <summary>Sends the items that ended since the last send; <paramref name="chunkEnded"/> closes the chunk.</summary>
    internal void SendResults(bool chunkEnded) => Send(chunkEnded, _pending, _items.Length);

    /// <summary>Sends them but the last item: it ran `exit`, so its worker ends and the item is lost.</summary>
    internal void SendResultsButLast()
    {
        if (_pending > 0) Send(chunkEnded: false, _pending - 1, _lastItemAt);
    }

    private void Send(bool chunkEnded, int count, int length)
    {
        if (count == 0 && !chunkEnded) return;
        var message = _message;
        message.Clear();
        double seconds = (double)(Stopwatch.GetTimestamp() - _started) / Stopwatch.Frequency;
        ChunkResults.WriteHeader(message, _chunkId, chunkEnded, seconds, count);
        message.WriteRaw(_items.WrittenSpan[..length]);
        _items.Clear();
        _pending = 0;
        _ledgeredUpTo = _ledgeredItems = 0;
        _lastFlush = Stopwatch.GetTimestamp();
        if (chunkEnded)
        {
            _ledger.MarkRunning(0, 0);
            if (_streamer is not null) lock (EntriesGate) _streamer.Dispose();   // under the gate: no flush is halfway
        }
        try
        {
            _parent.Send(FrameType.PoolResults, message);
            _ledger.Clear();   // after: a worker that dies in between leaves them in both, and the parent takes each once
        }
        catch (MpObjectGoneException) { /* the parent is gone; the parent connection's Closed handler ends this process */ }
    }
}
