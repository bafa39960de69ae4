using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Multiproc.Ipc;

namespace Multiproc.Shared;

/// <summary>A shared dictionary as its owner holds it: keys as values (compared as a hashtable does), values as wire bytes.</summary>
internal sealed class DictionaryCore : SharedCore
{
    /// <summary>Operations; arguments and answers follow each name. Wire format: append, never renumber.</summary>
    public enum Op : byte
    {
        /// <summary>key → found (bool), value.</summary>
        Get = 1,
        /// <summary>key, value.</summary>
        Set = 2,
        /// <summary>key, value → added (bool): false when the key was there already.</summary>
        Add = 3,
        /// <summary>key → removed (bool).</summary>
        Remove = 4,
        /// <summary>key → bool.</summary>
        ContainsKey = 5,
        /// <summary>→ count (int32).</summary>
        Count = 6,
        Clear = 7,
        /// <summary>→ count, then key and value of each entry, in insertion order.</summary>
        Snapshot = 8,
        /// <summary>key, delta → the new value.</summary>
        Increment = 9,
        /// <summary>key, value → the value now stored.</summary>
        GetOrAdd = 10,
        /// <summary>key, expected value (length-prefixed), new value → updated (bool).</summary>
        TryUpdate = 11,
    }

    // Keys keep the order they were first added in, as Python's dict does: Dictionary<,> alone loses it
    // once a removal leaves a slot for the next key to fill.
    private readonly Dictionary<object, Entry> _entries = new(KeyComparer.Instance);   // guarded by the base's lock
    private long _added;                                                                 // guarded by the base's lock

    public DictionaryCore(WireReader contents)
    {
        int count = contents.ReadInt32();
        for (int i = 0; i < count; i++) Put(ReadKey(contents), contents.ReadBytes());
    }

    private sealed record Entry(byte[] Value, long Order);

    /// <summary>Sets a key's value; a new key goes last, one already there keeps its place.</summary>
    private void Put(object key, byte[] value) =>
        _entries[key] = new Entry(value, _entries.TryGetValue(key, out var old) ? old.Order : _added++);

    private byte[]? Find(object key) => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    protected override void Run(byte op, WireReader args, WireWriter reply)
    {
        switch ((Op)op)
        {
            case Op.Get:
                var value = Find(ReadKey(args));
                reply.WriteBool(value is not null);
                reply.WriteRaw(value ?? SharedValues.Null);
                break;
            case Op.Set:
                Put(ReadKey(args), args.ReadRest());
                break;
            case Op.Add:
            {
                var key = ReadKey(args);
                bool added = !_entries.ContainsKey(key);
                if (added) Put(key, args.ReadRest());
                reply.WriteBool(added);
                break;
            }
            case Op.Remove:
                reply.WriteBool(_entries.Remove(ReadKey(args)));
                break;
            case Op.ContainsKey:
                reply.WriteBool(_entries.ContainsKey(ReadKey(args)));
                break;
            case Op.Count:
                reply.WriteInt32(_entries.Count);
                break;
            case Op.Clear:
                _entries.Clear();
                break;
            case Op.Snapshot:
                reply.WriteInt32(_entries.Count);
                foreach (var (key, entry) in _entries.OrderBy(e => e.Value.Order))
                {
                    reply.WriteValue(key);
                    reply.WriteRaw(entry.Value);
                }
                break;
            case Op.Increment:
            {
                var key = ReadKey(args);
                var sum = Serializer.Write(SharedValues.Add(Find(key), args.ReadValue(), key));
                Put(key, sum);
                reply.WriteRaw(sum);
                break;
            }
            case Op.GetOrAdd:
            {
                var key = ReadKey(args);
                var stored = Find(key);
                if (stored is null) Put(key, stored = args.ReadRest());
                reply.WriteRaw(stored);
                break;
            }
            case Op.TryUpdate:
            {
                var key = ReadKey(args);
                var expected = args.ReadBytes();
                bool updated = Find(key) is { } stored && SharedValues.Same(stored, expected);
                if (updated) Put(key, args.ReadRest());
                reply.WriteBool(updated);
                break;
            }
            default:
                throw new InvalidDataException($"Unknown dictionary operation {op}.");
        }
    }

    private static object ReadKey(WireReader args) =>
        args.ReadValue() ?? throw new InvalidDataException("A dictionary key was null.");

    /// <summary>Keys as a PowerShell hashtable compares them: strings without regard to case.</summary>
    private sealed class KeyComparer : IEqualityComparer<object>
    {
        public static readonly KeyComparer Instance = new();

        public new bool Equals(object? x, object? y) =>
            x is string a && y is string b ? StringComparer.OrdinalIgnoreCase.Equals(a, b) : object.Equals(x, y);

        public int GetHashCode(object obj) =>
            obj is string s ? StringComparer.OrdinalIgnoreCase.GetHashCode(s) : obj.GetHashCode();
    }
}
