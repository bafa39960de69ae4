using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>
/// Invoke-MpPool -Journal (SPEC §10): one JSON line per finished input, its index, the hash of its
/// serialized form, "success" or its error id, and its output serialized; -Resume reads it back.
/// </summary>
/// <remarks>
/// Each line reaches the file in one write, as soon as its input has its answer, so a run killed at any
/// moment leaves every line before it whole; a line it was writing when it died is cut off at the end,
/// and a resumed run drops it. Output is kept in the form it crosses between processes, base64. The file
/// is held exclusively while the run lasts: two runs never write one journal. Writing never throws on the
/// thread that brings results: a failure stops the journal, cuts back what it half wrote, and is
/// raised on the command's own thread (<see cref="ThrowIfFailed"/>).
/// </remarks>
internal sealed class RunJournal : IDisposable
{
    private const string Success = "success";
    // Two runs must not write one journal, yet anyone may read it meanwhile: FileShare.None would lock
    // readers out too, so a writer locks one byte far past any line (a record lock, which readers never take).
    private const long WriterLockOffset = 1L << 62;
    private readonly object _gate = new();
    private readonly FileStream _file;                      // guarded by _gate
    private readonly long _openedLength;                    // what the file held before this run
    private readonly Dictionary<int, Entry> _previous;      // what a resumed journal holds, by input index; guarded by _gate
    private bool _closed;                                   // guarded by _gate: disposed, refused or failed: nothing more is written
    private Exception? _failure;                            // guarded by _gate

    /// <summary>What the journal says of one input: the hash its first line gave, and its output (base64) once it succeeded.</summary>
    private sealed record Entry(string Hash, string? Output);

    private RunJournal(FileStream file, Dictionary<int, Entry> previous)
    {
        _file = file;
        _previous = previous;
        _openedLength = file.Length;
    }

    public string Path => _file.Name;

    /// <summary>Starts a journal at <paramref name="path"/>; with <paramref name="resume"/>, goes on with the one there.</summary>
    /// <exception cref="MpInvalidArgumentException">It cannot be opened, another run holds it, a journal is there already without -Resume, or it is not a journal.</exception>
    public static RunJournal Open(string path, bool resume)
    {
        FileStream file;
        // macOS has no record locks in .NET: there the file is held whole, readers too.
        var share = OperatingSystem.IsMacOS() ? FileShare.None : FileShare.Read;
        try { file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, share, bufferSize: 0); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MpInvalidArgumentException(
                $"The journal '{path}' cannot be opened: {e.Message} Give -Journal a file this session can write, that no other run is writing.", path, e);
        }
        try
        {
            try { if (!OperatingSystem.IsMacOS()) file.Lock(WriterLockOffset, 1); }
            catch (IOException e)
            {
                throw new MpInvalidArgumentException(
                    $"The journal '{path}' cannot be opened: another run is writing it. Wait for that run to end, or give -Journal another file.", path, e);
            }
            if (!resume && file.Length > 0)
                throw new MpInvalidArgumentException(
                    $"The journal '{path}' holds a run already. Add -Resume to go on from it, or remove it to start anew.", path);
            var previous = resume ? ReadWhole(file) : new Dictionary<int, Entry>();
            file.Seek(0, SeekOrigin.End);
            return new RunJournal(file, previous);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The hash of an input as it crosses, hashtables with their keys in order (<see cref="WireWriter.Canonical"/>).</summary>
    /// <exception cref="MpSerializationException">It cannot cross.</exception>
    public static string HashOf(object? input)
    {
        var w = new WireWriter { Canonical = true };
        w.WriteValue(input);
        return Convert.ToHexString(SHA256.HashData(w.WrittenSpan));
    }

    /// <summary>
    /// -Resume: the recorded answer of input <paramref name="index"/> when it succeeded before, to be emitted
    /// in place of running it; null when it must run.
    /// </summary>
    /// <exception cref="MpJournalMismatchException">The journal's hash of that input differs: it was written for other input. What this run added is taken back.</exception>
    public ItemResult? Recorded(int index, string hash, object? input)
    {
        Entry? entry;
        lock (_gate)
        {
            if (!_previous.Remove(index, out entry)) return null;   // each index is asked once: let go of it
            if (entry.Hash != hash)
            {
                TakeBack();
                throw new MpJournalMismatchException(
                    $"The journal '{Path}' was written for different input: input {index} (counting from 0), '{input}', is not the one it recorded there. " +
                    "Resume with the same input in the same order, or remove the journal to start anew.", input);
            }
        }
        if (entry.Output is null) return null;
        var result = new ItemResult();
        foreach (var value in (object?[]?)Serializer.Read(Convert.FromBase64String(entry.Output)) ?? Array.Empty<object?>())
            result.Entries.Add((null, value));
        return result;
    }

    /// <summary>Appends a line for each answered item; called as results come, from any thread. Never throws.</summary>
    public void Write(IEnumerable<PoolItem> items)
    {
        foreach (var item in items)
        {
            if (item.JournalHash is not { } hash || item.Result is not { } result || result == ItemResult.NeverRun) continue;
            lock (_gate)
            {
                if (_closed) return;
                long length = _file.Length;
                try
                {
                    var line = Line(item.InputIndex, hash, result);
                    _file.Write(line.GetBuffer(), 0, (int)line.Length);   // one write: the line is whole or cut at its end
                }
                catch (Exception e)
                {
                    _failure = e;
                    _closed = true;
                    try { _file.SetLength(length); } catch (IOException) { }   // no half line in the middle of a journal
                }
            }
        }
    }

    /// <summary>On the command's thread: a failed write ends the call, with what went wrong.</summary>
    /// <exception cref="MpInvalidArgumentException">A line could not be written.</exception>
    public void ThrowIfFailed()
    {
        Exception? failure;
        lock (_gate) failure = _failure;
        if (failure is not null)
            throw new MpInvalidArgumentException(
                $"The journal '{Path}' could not be written: {failure.Message} The lines before that are whole: fix the cause, then run again with -Resume.", Path, failure);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            _file.Dispose();
        }
    }

    private static MemoryStream Line(int index, string hash, ItemResult result)
    {
        var output = result.Failure is null ? result.Entries.Where(e => e.Stream is null).Select(e => e.Value).ToArray() : Array.Empty<object?>();
        var line = new MemoryStream();
        using (var json = new Utf8JsonWriter(line))
        {
            json.WriteStartObject();
            json.WriteNumber("index", index);
            json.WriteString("hash", hash);
            json.WriteBoolean("ok", result.Failure is null);
            json.WriteString("result", result.Failure is { } failure ? failure.FullyQualifiedErrorId.Split(',')[0] : Success);
            json.WriteString("output", Convert.ToBase64String(Serializer.Write(output)));
            json.WriteEndObject();
        }
        line.WriteByte((byte)'\n');
        return line;
    }

    /// <summary>A refused run takes back the lines it added, which were for other input. Under _gate.</summary>
    private void TakeBack()
    {
        _closed = true;
        try { _file.SetLength(_openedLength); } catch (IOException) { }
    }

    /// <summary>Reads every whole line; a line cut off at the end (a run killed while writing it) is dropped from the file.</summary>
    private static Dictionary<int, Entry> ReadWhole(FileStream file)
    {
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (end < bytes.Length) file.SetLength(end);
        var entries = new Dictionary<int, Entry>();
        int start = 0;
        while (start < end)
        {
            int stop = Array.IndexOf(bytes, (byte)'\n', start);
            var line = new ReadOnlySpan<byte>(bytes, start, stop - start);
            start = stop + 1;
            if (line.IsEmpty) continue;
            int index;
            string hash, output;
            bool ok;
            try
            {
                using var json = JsonDocument.Parse(line.ToArray());
                var root = json.RootElement;
                index = root.GetProperty("index").GetInt32();
                hash = root.GetProperty("hash").GetString()!;
                ok = root.GetProperty("ok").GetBoolean();
                output = root.GetProperty("output").GetString()!;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new MpInvalidArgumentException(
                    $"The journal '{file.Name}' has a line that is not a journal entry: {Encoding.UTF8.GetString(line)}. Give -Journal a journal Invoke-MpPool wrote, or remove it to start anew.", file.Name, e);
            }
            // The first line of an input fixes its hash; a success, whenever it came, is its answer.
            var known = entries.GetValueOrDefault(index);
            entries[index] = new Entry(known?.Hash ?? hash, ok ? output : known?.Output);
        }
        return entries;
    }
}
