using System.Collections.Generic;
using System.IO;
using Multiproc.Ipc;

namespace Multiproc.Shared;

/// <summary>A shared list as its owner holds it: items as wire bytes.</summary>
internal sealed class ListCore : SharedCore
{
    /// <summary>Operations; arguments and answers follow each name. Wire format: append, never renumber.</summary>
    public enum Op : byte
    {
        /// <summary>index → value.</summary>
        Get = 1,
        /// <summary>index, value.</summary>
        Set = 2,
        /// <summary>value → its index.</summary>
        Add = 3,
        /// <summary>index, value.</summary>
        Insert = 4,
        /// <summary>value → removed (bool): the first equal item goes.</summary>
        Remove = 5,
        /// <summary>index.</summary>
        RemoveAt = 6,
        Clear = 7,
        /// <summary>→ count (int32).</summary>
        Count = 8,
        /// <summary>value → index of the first equal item, or -1.</summary>
        IndexOf = 9,
        /// <summary>→ count, then each item.</summary>
        Snapshot = 10,
    }

    private readonly List<byte[]> _items = new();   // guarded by the base's lock

    public ListCore(WireReader contents)
    {
        int count = contents.ReadInt32();
        _items.Capacity = count;
        for (int i = 0; i < count; i++) _items.Add(contents.ReadBytes());
    }

    protected override void Run(byte op, WireReader args, WireWriter reply)
    {
        switch ((Op)op)
        {
            case Op.Get:
                reply.WriteRaw(_items[Index(args.ReadInt32())]);
                break;
            case Op.Set:
                int at = Index(args.ReadInt32());
                _items[at] = args.ReadRest();
                break;
            case Op.Add:
                _items.Add(args.ReadRest());
                reply.WriteInt32(_items.Count - 1);
                break;
            case Op.Insert:
                int before = Index(args.ReadInt32(), orEnd: true);
                _items.Insert(before, args.ReadRest());
                break;
            case Op.Remove:
                int found = Find(args.ReadRest());
                if (found >= 0) _items.RemoveAt(found);
                reply.WriteBool(found >= 0);
                break;
            case Op.RemoveAt:
                _items.RemoveAt(Index(args.ReadInt32()));
                break;
            case Op.Clear:
                _items.Clear();
                break;
            case Op.Count:
                reply.WriteInt32(_items.Count);
                break;
            case Op.IndexOf:
                reply.WriteInt32(Find(args.ReadRest()));
                break;
            case Op.Snapshot:
                reply.WriteInt32(_items.Count);
                foreach (var item in _items) reply.WriteRaw(item);
                break;
            default:
                throw new InvalidDataException($"Unknown list operation {op}.");
        }
    }

    private int Find(byte[] wanted) => _items.FindIndex(item => SharedValues.Same(item, wanted));

    /// <summary>A negative index counts from the end, as in PowerShell; one out of range fails with MpInvalidArgument.</summary>
    /// <param name="orEnd">Insert: the index just past the last item is in range too.</param>
    private int Index(int index, bool orEnd = false)
    {
        int at = index < 0 ? index + _items.Count : index;
        if (at < 0 || at > _items.Count || (at == _items.Count && !orEnd))
            throw new MpInvalidArgumentException(
                $"Index {index} is out of range: the list has {_items.Count} item(s). Check .Count first.", index);
        return at;
    }
}
