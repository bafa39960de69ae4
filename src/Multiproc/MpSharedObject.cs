using Multiproc.Rpc;
using System;
using Multiproc.Ipc;
using Multiproc.Shared;

namespace Multiproc;

/// <summary>A handle to a shared dictionary, list or manager: the owner's endpoint and the object's id there.</summary>
/// <remarks>
/// Every operation is written as a call, then run either here, when this process owns the object, or by the
/// owner over this process's <see cref="Link"/>: one path for both, and a round trip only where one is needed.
/// </remarks>
public abstract class MpSharedObject : ISharedHandle
{
    private protected MpSharedObject(string owner, long id)
    {
        Owner = owner;
        Id = id;
    }

    internal string Owner { get; }

    internal long Id { get; }

    private protected abstract string Kind { get; }

    /// <summary>Starts an operation: write its arguments to <see cref="Call.Args"/>, then pass it to <see cref="Invoke(in Call)"/>.</summary>
    private protected Call Begin(byte op)
    {
        if (Session.Current.IsOwnEndpoint(Owner))
        {
            return new Call(op, null, default, SpareWriter.Rent());   // back in Invoke
        }
        var link = Link.To(Owner);
        var request = link.Begin(op, Id);
        return new Call(op, link, request, request.Writer);
    }

    /// <summary>Runs the operation and returns its answer.</summary>
    /// <exception cref="MpException">It failed (MpObjectGone once the object's manager or session has ended).</exception>
    private protected WireReader Invoke(in Call call)
    {
        if (call.Link is not null) return call.Link.Call(call.Request);
        if (!ObjectHost.TryGet(Id, out var target) || target is not SharedCore core) throw SharedCore.Gone();
        var args = new WireReader(call.Args.ToArray());
        SpareWriter.Return(call.Args);
        var reply = new WireWriter(64);
        core.Execute(call.Op, args, reply);
        return new WireReader(reply.ToArray());
    }

    /// <summary>Runs an operation that takes no arguments.</summary>
    private protected WireReader Invoke(byte op) => Invoke(Begin(op));

    string ISharedHandle.HandleKind => Kind;

    void ISharedHandle.WriteHandle(WireWriter writer)
    {
        writer.WriteString(Owner);
        writer.WriteInt64(Id);
        WriteHandleDetails(writer);
    }

    /// <summary>What a handle of this kind carries beyond the owner and the id.</summary>
    private protected virtual void WriteHandleDetails(WireWriter writer) { }

    /// <summary>One operation being written: local when <see cref="Link"/> is null.</summary>
    private protected readonly record struct Call(byte Op, Link? Link, Link.Request Request, WireWriter Args);
}
