using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
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
/// and a resumed run drops it. Output is kept in the form it crosses between processes, base64.
/// </remarks>
internal sealed class RunJournal : IDisposable
{
    private const string Success = "success";
    private readonly object _gate = new();
    private readonly FileStream _file;
    private readonly Dictionary<int, Entry> _previous;   // what a resumed journal holds, by input index

    /// <summary>What the journal says of one input: its hash, and its output once it succeeded.</summary>
    private sealed record Entry(string Hash, object?[]? Output);

    private RunJournal(FileStream file, Dictionary<int, Entry> previous)
    {
        _file = file;
        _previous = previous;
    }

    public string Path => _file.Name;

    /// <summary>Starts a journal at <paramref name="path"/>; with <paramref name="resume"/>, goes on with the one there.</summary>
    public static RunJournal Open(string path, bool resume)
    {
        var previous = new Dictionary<int, Entry>();
        FileStream file;
        try
        {
            file = new FileStream(path, resume ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
            if (resume) previous = ReadWhole(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MpInvalidArgumentException($"The journal '{path}' cannot be opened: {e.Message} Give -Journal a file this session can write.", path, e);
        }
        file.Seek(0, SeekOrigin.End);
        return new RunJournal(file, previous);
    }

    /// <summary>The hash of an input as it crosses, with a hashtable's keys in order: they enumerate in a different order in every process.</summary>
    public static string HashOf(object? input, byte[] bytes)
    {
        if (input is PSObject { BaseObject: Hashtable table } && table.Count > 1)
        {
            var sorted = new OrderedDictionary();
            foreach (var key in table.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.Ordinal)) sorted[key] = table[key];
            bytes = Serializer.Write(sorted);
        }
        return Convert.ToHexString(SHA256.HashData(bytes));
    }

    /// <summary>
    /// -Resume: the recorded answer of input <paramref name="index"/> when it succeeded before, to be emitted
    /// in place of running it; null when it must run.
    /// </summary>
    /// <exception cref="MpJournalMismatchException">The journal's hash of that input differs: it was written for other input.</exception>
    public ItemResult? Recorded(int index, string hash, object? input)
    {
        if (!_previous.TryGetValue(index, out var entry)) return null;
        if (entry.Hash != hash)
            throw new MpJournalMismatchException(
                $"The journal '{Path}' was written for different input: input {index} (counting from 0), '{input}', is not the one it recorded there. " +
                "Resume with the same input in the same order, or leave out -Resume to start a new journal.", input);
        if (entry.Output is null) return null;
        var result = new ItemResult();
        foreach (var value in entry.Output) result.Entries.Add((null, value));
        return result;
    }

    /// <summary>Appends a line for each answered item; called as results come, from any thread.</summary>
    public void Write(IEnumerable<PoolItem> items)
    {
        foreach (var item in items)
        {
            if (item.JournalHash is not { } hash || item.Result is not { } result || result == ItemResult.NeverRun) continue;
            var output = result.Entries.Where(e => e.Stream is null).Select(e => e.Value).ToArray();
            var line = new MemoryStream();
            using (var json = new Utf8JsonWriter(line))
            {
                json.WriteStartObject();
                json.WriteNumber("index", item.Index);
                json.WriteString("hash", hash);
                json.WriteString("result", result.Failure is { } failure ? failure.FullyQualifiedErrorId.Split(',')[0] : Success);
                json.WriteString("output", Convert.ToBase64String(Serializer.Write(output)));
                json.WriteEndObject();
            }
            line.WriteByte((byte)'\n');
            lock (_gate) _file.Write(line.GetBuffer(), 0, (int)line.Length);   // one write: the line is whole or cut at its end
        }
    }

    public void Dispose()
    {
        lock (_gate) _file.Dispose();
    }

    /// <summary>Reads every whole line; a line cut off at the end (a run killed while writing it) is dropped from the file.</summary>
    private static Dictionary<int, Entry> ReadWhole(FileStream file)
    {
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (end < bytes.Length) file.SetLength(end);
        var entries = new Dictionary<int, Entry>();
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int index;
            string hash, outcome, output;
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                index = root.GetProperty("index").GetInt32();
                hash = root.GetProperty("hash").GetString()!;
                outcome = root.GetProperty("result").GetString()!;
                output = root.GetProperty("output").GetString()!;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new MpInvalidArgumentException(
                    $"The journal '{file.Name}' has a line that is not a journal entry: {line}. Give -Journal a journal Invoke-MpPool wrote, or leave out -Resume.", file.Name, e);
            }
            if (outcome == Success)
                entries[index] = new Entry(hash, (object?[]?)Serializer.Read(Convert.FromBase64String(output)) ?? Array.Empty<object?>());
            else entries.TryAdd(index, new Entry(hash, null));   // a failure; a success recorded for it wins
        }
        return entries;
    }
}
