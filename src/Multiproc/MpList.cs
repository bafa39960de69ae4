using System;
using System.Collections;
using Multiproc.Ipc;
using Op = Multiproc.Shared.ListCore.Op;

namespace Multiproc;

/// <summary>A list every process of the session sees, as Python's Manager().list(); used like an array.</summary>
/// <remarks>
/// Each member is one atomic operation on the manager that holds it. Items cross by serialization, so an
/// item read is a copy, except shared objects, which stay live handles. Enumeration is a snapshot. A
/// negative index counts from the end; an index out of range fails with MpInvalidArgument.
/// </remarks>
public sealed class MpList : MpSharedObject, IList
{
    internal const string KindName = "list";

    internal MpList(string owner, long id) : base(owner, id) { }

    public object? this[int index]
    {
        get => Invoke(WithIndex(Op.Get, index)).ReadValue();
        set
        {
            var call = WithIndex(Op.Set, index);
            call.Args.WriteValue(value);
            Invoke(call);
        }
    }

    public int Count => Invoke((byte)Op.Count).ReadInt32();

    /// <summary>Appends an item, as Python's append (it returns nothing, unlike ArrayList.Add).</summary>
    public void Add(object? value) => ((IList)this).Add(value);

    int IList.Add(object? value) => Invoke(WithValue(Op.Add, value)).ReadInt32();

    public void Insert(int index, object? value)
    {
        var call = WithIndex(Op.Insert, index);
        call.Args.WriteValue(value);
        Invoke(call);
    }

    /// <summary>Removes the first item equal to <paramref name="value"/>, if any.</summary>
    public void Remove(object? value) => Invoke(WithValue(Op.Remove, value));

    public void RemoveAt(int index) => Invoke(WithIndex(Op.RemoveAt, index));

    public void Clear() => Invoke((byte)Op.Clear);

    public bool Contains(object? value) => IndexOf(value) >= 0;

    /// <summary>The index of the first item equal to <paramref name="value"/>, or -1.</summary>
    public int IndexOf(object? value) => Invoke(WithValue(Op.IndexOf, value)).ReadInt32();

    /// <summary>A copy of the whole list now.</summary>
    public object?[] ToArray()
    {
        var reply = Invoke((byte)Op.Snapshot);
        var items = new object?[reply.ReadInt32()];
        for (int i = 0; i < items.Length; i++) items[i] = reply.ReadValue();
        return items;
    }

    public IEnumerator GetEnumerator() => ToArray().GetEnumerator();

    public void CopyTo(Array array, int index) => ToArray().CopyTo(array, index);

    public bool IsFixedSize => false;

    public bool IsReadOnly => false;

    public bool IsSynchronized => true;

    public object SyncRoot => this;

    public override string ToString() => "MpList";

    private protected override string Kind => KindName;

    internal static MpList ReadHandle(WireReader reader) => new(reader.ReadString(), reader.ReadInt64());

    private Call WithIndex(Op op, int index)
    {
        var call = Begin((byte)op);
        call.Args.WriteInt32(index);
        return call;
    }

    private Call WithValue(Op op, object? value)
    {
        var call = Begin((byte)op);
        call.Args.WriteValue(value);
        return call;
    }

    /// <summary>The contents of a new list, as <see cref="Shared.ListCore"/> reads them.</summary>
    internal static void WriteContents(WireWriter writer, IList? contents)
    {
        writer.WriteInt32(contents?.Count ?? 0);
        if (contents is null) return;
        foreach (var item in contents) writer.WriteBytes(Serializer.Write(item));
    }
}
