using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Worker;

/// <summary>
/// Records what the running item writes, in <see cref="ChunkResults"/>' form: a pool worker's
/// <see cref="TaskSink"/> sends it to the parent, an <see cref="InlineSink"/> reads it back at once, so a task
/// run inline yields what it would from a worker. Not for use from scripts.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ItemRecorder
{
    private readonly WireWriter _entries = new(256);    // the current item's entries (under EntriesGate while it streams)
    private readonly PSHost _host;
    private int _entryCount;
    private ErrorRecord? _failure;
    private bool _hostMidLine;   // the last Write-Host text ended without a new line
    private long _itemStarted = Stopwatch.GetTimestamp();   // the next item starts as the one before ends

    private protected ItemRecorder(PSHost host) => _host = host;

    /// <summary>
    /// Held while entries are written or taken, when another thread may take them while the item runs (a
    /// streaming chunk's flush); a lock nobody else holds costs next to nothing otherwise.
    /// </summary>
    private protected object EntriesGate { get; } = new();

    /// <summary>Whether the running item has written anything not taken yet. Under <see cref="EntriesGate"/>.</summary>
    private protected bool HasEntries => _entryCount > 0;

    /// <summary>
    /// Writes the running item's entries so far to <paramref name="message"/> in <see cref="ChunkResults"/>'
    /// item form, as item <paramref name="index"/> with no failure, and forgets them; false when there are none. Under <see cref="EntriesGate"/>.
    /// </summary>
    private protected bool TakeEntries(WireWriter message, int index)
    {
        if (_entryCount == 0) return false;
        WriteEntries(message, index, null, TimeSpan.Zero);
        return true;
    }

    /// <summary>The current item threw: it failed, and the chunk goes on with the next.</summary>
    public void ItemFailed(ErrorRecord error) => _failure = error;

    /// <summary>What -HostPrefix puts before the running item's host lines; null for nothing.</summary>
    private protected abstract string? HostPrefix { get; }

    /// <summary>Called by the task filter when the current item has ended; <paramref name="normally"/> when it ran to its end or threw.</summary>
    public abstract void ItemEnded(bool normally);

    /// <summary>Writes the current item's result to <paramref name="items"/> as item <paramref name="index"/>, and starts the next.</summary>
    private protected void WriteItem(WireWriter items, int index)
    {
        long now = Stopwatch.GetTimestamp();
        lock (EntriesGate) WriteEntries(items, index, _failure, Stopwatch.GetElapsedTime(_itemStarted, now));
        _itemStarted = now;
        _failure = null;
    }

    private void WriteEntries(WireWriter into, int index, ErrorRecord? failure, TimeSpan duration)
    {
        ChunkResults.WriteItem(into, index, _entryCount, _entries.WrittenSpan, failure, duration);
        _entries.Clear();
        _entryCount = 0;
    }

    /// <param name="item">Null for a task's $null output.</param>
    internal void OnOutput(PSObject? item)
    {
        switch (item?.BaseObject)
        {
            case InformationRecord { Tags: var tags } info when tags.Contains("PSHOST"):
                HostOutput.Draw(_host, info, HostPrefix, ref _hostMidLine);   // Write-Host: shown as it happens, not kept
                return;
            case WarningRecord warning: Record(StreamKind.Warning, warning); return;
            case VerboseRecord verbose: Record(StreamKind.Verbose, verbose); return;
            case DebugRecord debug: Record(StreamKind.Debug, debug); return;
            case InformationRecord information: Record(StreamKind.Information, information); return;
        }
        byte[] value;
        try { value = Serializer.Write(item); }
        catch (MpSerializationException e)
        {
            Record(StreamKind.Error, e.ErrorRecord);
            return;
        }
        lock (EntriesGate)
        {
            ChunkResults.WriteOutput(_entries, value);
            _entryCount++;
        }
    }

    internal void OnError(ErrorRecord error) => Record(StreamKind.Error, error);

    private void Record(StreamKind kind, object record)
    {
        lock (EntriesGate)
        {
            StreamRecord.Write(_entries, kind, record);
            _entryCount++;
        }
    }
}
