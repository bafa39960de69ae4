using Multiproc.Rpc;
using System.Collections.Generic;
using System.IO;
using Multiproc.Ipc;

namespace Multiproc.Shared;

/// <summary>A manager as its owner holds it: it makes shared dictionaries and lists, and ends them when stopped.</summary>
internal sealed class ManagerCore : SharedCore
{
    /// <summary>Operations; arguments and answers follow each name. Wire format: append, never renumber.</summary>
    public enum Op : byte
    {
        /// <summary>contents (see <see cref="DictionaryCore"/>) → the new object's id (int64).</summary>
        NewDictionary = 1,
        /// <summary>contents (see <see cref="ListCore"/>) → the new object's id (int64).</summary>
        NewList = 2,
        /// <summary>Ends the manager and everything it made.</summary>
        Stop = 3,
    }

    private readonly List<SharedCore> _made = new();   // guarded by the base's lock

    protected override void Run(byte op, WireReader args, WireWriter reply)
    {
        switch ((Op)op)
        {
            case Op.NewDictionary:
                reply.WriteInt64(Keep(new DictionaryCore(args)));
                break;
            case Op.NewList:
                reply.WriteInt64(Keep(new ListCore(args)));
                break;
            case Op.Stop:
                foreach (var made in _made) Drop(made);
                _made.Clear();
                Drop(this);   // its own lock is held: End() re-enters it
                break;
            default:
                throw new InvalidDataException($"Unknown manager operation {op}.");
        }
    }

    private long Keep(SharedCore made)
    {
        _made.Add(made);
        return made.Register();
    }

    private static void Drop(SharedCore core)
    {
        ObjectHost.Remove(core.Id);
        core.End();
    }
}
