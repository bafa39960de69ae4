using System;
using System.Collections;
using System.Collections.Specialized;
using Multiproc.Ipc;
using Multiproc.Shared;
using Op = Multiproc.Shared.DictionaryCore.Op;

namespace Multiproc;

/// <summary>A dictionary every process of the session sees, as Python's Manager().dict(); used like a hashtable.</summary>
/// <remarks>
/// Each member is one atomic operation on the manager that holds it, and sees every write that completed
/// before it started. Keys compare as in a hashtable (strings without regard to case); values cross by
/// serialization, so a value read is a copy, except shared objects, which stay live handles.
/// Enumeration, Keys and Values are snapshots.
/// </remarks>
public sealed class MpDictionary : MpSharedObject, IDictionary
{
    internal const string KindName = "dictionary";

    internal MpDictionary(string owner, long id) : base(owner, id) { }

    /// <summary>The value of a key; $null when it is missing. Setting adds or replaces it.</summary>
    public object? this[object key]
    {
        get
        {
            var reply = Invoke(WithKey(Op.Get, key));
            reply.ReadBool();
            return reply.ReadValue();
        }
        set
        {
            var call = WithKey(Op.Set, key);
            call.Args.WriteValue(value);
            Invoke(call);
        }
    }

    public int Count => Invoke((byte)Op.Count).ReadInt32();

    /// <summary>The keys now, in the order they were added.</summary>
    public ICollection Keys => Snapshot().Keys;

    /// <summary>The values now, in the order their keys were added.</summary>
    public ICollection Values => Snapshot().Values;

    public bool ContainsKey(object key) => Invoke(WithKey(Op.ContainsKey, key)).ReadBool();

    public bool Contains(object key) => ContainsKey(key);

    /// <summary>Adds a key that is not there yet; MpInvalidArgument when it is.</summary>
    public void Add(object key, object? value)
    {
        var call = WithKey(Op.Add, key);
        call.Args.WriteValue(value);
        if (!Invoke(call).ReadBool())
            throw new MpInvalidArgumentException($"The key '{key}' is already in the dictionary. Set it with $d['{key}'] = value instead.", key);
    }

    public void Remove(object key) => Invoke(WithKey(Op.Remove, key));

    public void Clear() => Invoke((byte)Op.Clear);

    /// <summary>Adds 1 to the value of a key atomically (a missing key counts as 0); returns the new value.</summary>
    public object? Increment(object key) => Increment(key, 1L);

    /// <summary>Adds <paramref name="delta"/> to the value of a key atomically (a missing key counts as 0); returns the new value.</summary>
    public object? Increment(object key, object delta)
    {
        var call = WithKey(Op.Increment, key);
        call.Args.WriteValue(delta);
        return Invoke(call).ReadValue();
    }

    /// <summary>The value of a key, first adding it with <paramref name="value"/> when it is missing.</summary>
    public object? GetOrAdd(object key, object? value)
    {
        var call = WithKey(Op.GetOrAdd, key);
        call.Args.WriteValue(value);
        return Invoke(call).ReadValue();
    }

    /// <summary>Sets a key to <paramref name="newValue"/> only if its value is now <paramref name="expectedValue"/>; true when it did.</summary>
    public bool TryUpdate(object key, object? newValue, object? expectedValue)
    {
        var call = WithKey(Op.TryUpdate, key);
        call.Args.WriteBytes(Serializer.Write(expectedValue));
        call.Args.WriteValue(newValue);
        return Invoke(call).ReadBool();
    }

    /// <summary>A copy of the whole dictionary now, as a plain hashtable.</summary>
    public Hashtable ToHashtable() => new(Snapshot(), StringComparer.OrdinalIgnoreCase);

    public IDictionaryEnumerator GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void CopyTo(Array array, int index) => ((ICollection)Snapshot()).CopyTo(array, index);

    public bool IsFixedSize => false;

    public bool IsReadOnly => false;

    public bool IsSynchronized => true;

    public object SyncRoot => this;

    public override string ToString() => "MpDictionary";

    private protected override string Kind => KindName;

    internal static MpDictionary ReadHandle(WireReader reader) => new(reader.ReadString(), reader.ReadInt64());

    private OrderedDictionary Snapshot()
    {
        var reply = Invoke((byte)Op.Snapshot);
        int count = reply.ReadInt32();
        var copy = new OrderedDictionary(count, StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < count; i++) copy[reply.ReadValue()!] = reply.ReadValue();
        return copy;
    }

    private Call WithKey(Op op, object key)
    {
        if (key is null) throw new MpInvalidArgumentException("A dictionary key cannot be $null.");
        var call = Begin((byte)op);
        call.Args.WriteValue(key);
        return call;
    }

    /// <summary>The contents of a new dictionary, as <see cref="DictionaryCore"/> reads them.</summary>
    internal static void WriteContents(WireWriter writer, IDictionary? contents)
    {
        writer.WriteInt32(contents?.Count ?? 0);
        if (contents is null) return;
        foreach (DictionaryEntry entry in contents)
        {
            writer.WriteValue(entry.Key);
            writer.WriteBytes(Serializer.Write(entry.Value));
        }
    }
}
